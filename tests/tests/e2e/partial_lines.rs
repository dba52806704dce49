//! A service's last output without a line break (a prompt, a progress count) is shown after a
//! short idle instead of when the service exits; its rest comes as a line of its own.

use coord_tests::harness::PATIENCE;
use coord_tests::harness::coord::{CoordRun, Pipe};
use coord_tests::harness::testdir::TestDir;

#[test]
fn a_prompt_without_a_newline_shows_before_the_service_exits_and_its_rest_is_not_repeated() {
    let dir = TestDir::new("partial-line");
    // Prints `Password: `, waits for the test to create `go`, then finishes the line.
    let stack = dir.write(
        "coord.toml",
        r#"[services.prompt]
command = "printf 'Password: '; while [ ! -f go ]; do sleep 0.05; done; printf 'accepted\nnext\n'; exec sleep 600"
"#,
    );
    let mut coord = CoordRun::run(&stack);
    coord
        .wait_line(PATIENCE, |l| l == "prompt | Password: ")
        .unwrap_or_else(|t| panic!("the prompt was not shown while the service runs:\n{t}"));
    dir.touch("go");
    coord
        .wait_line(PATIENCE, |l| l == "prompt | next")
        .unwrap_or_else(|t| panic!("{t}"));
    coord.interrupt();
    coord.wait_exit(PATIENCE).expect("coord exits");
    let out: Vec<String> = coord
        .lines(Pipe::Out)
        .into_iter()
        .filter(|l| l.starts_with("prompt |"))
        .collect();
    assert_eq!(
        out,
        vec!["prompt | Password: ", "prompt | accepted", "prompt | next"],
        "{}",
        coord.transcript()
    );
    let log = std::fs::read_to_string(dir.path().join(".coord/logs/prompt.log")).expect("log");
    assert_eq!(log, "Password: \naccepted\nnext\n");
}

//! A real PostgreSQL and Redis (Debian packages `postgresql`, `redis-server`; installed in CI by
//! `scripts/ci-install.sh`) brought up by coord with an init task, and a backend that only starts
//! when `DATABASE_URL` and `REDIS_URL` really work. Skips, saying why, only when the binaries are
//! absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use coord_tests::harness::coord::{CoordRun, is_summary};
use coord_tests::harness::events::{env_of, has, listening_port};
use coord_tests::harness::testdir::{TestDir, sh_quote, toml_str};
use coord_tests::harness::{PATIENCE, procs};

/// The directory holding `postgres` and `initdb` (Debian keeps them out of PATH).
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("postgres").is_file() && d.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn in_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// As root, PostgreSQL must run as another user: `setpriv` to `postgres` (no extra process,
/// unlike `su`/`runuser`, so signals reach postgres directly). Empty when not root.
fn as_postgres_user() -> Result<String, String> {
    if rustix::process::geteuid().is_root() {
        if !in_path("setpriv") {
            return Err("running as root needs `setpriv` (util-linux)".into());
        }
        Ok("setpriv --reuid=postgres --regid=postgres --init-groups -- ".into())
    } else {
        Ok(String::new())
    }
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `initdb` into `pgdata` (owned by the postgres user when we are root), trust auth, user `app`.
fn init_cluster(bin: &Path, pgdata: &Path, prefix: &str) {
    std::fs::create_dir_all(pgdata).unwrap();
    let initdb = format!(
        "{prefix}{} -D {} -A trust -U app --no-sync --no-instructions -E UTF8",
        sh_quote(&bin.join("initdb").to_string_lossy()),
        sh_quote(&pgdata.to_string_lossy())
    );
    if !prefix.is_empty() {
        run_ok(
            Command::new("chown")
                .args(["postgres:postgres"])
                .arg(pgdata),
        );
    }
    run_ok(Command::new("sh").args(["-c", &initdb]));
}

fn first_line_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

#[test]
fn postgres_and_redis_with_an_init_task_and_a_backend() {
    let Some(pg_bin) = postgres_bin_dir() else {
        eprintln!(
            "SKIP: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); scripts/ci-install.sh installs it"
        );
        return;
    };
    let missing: Vec<&str> = [
        "redis-server",
        "redis-cli",
        "psql",
        "createdb",
        "pg_isready",
    ]
    .into_iter()
    .filter(|p| !in_path(p))
    .collect();
    if !missing.is_empty() {
        eprintln!("SKIP: {missing:?} not installed; scripts/ci-install.sh installs them");
        return;
    }
    let prefix = as_postgres_user().unwrap_or_else(|e| panic!("{e}"));

    let dir = TestDir::new("postgres-redis");
    // The postgres user must reach its data directory whatever the umask.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let pgdata = dir.file("pg");
    init_cluster(&pg_bin, &pgdata, &prefix);
    let pgdata_q = sh_quote(&pgdata.to_string_lossy());
    let redis_pidfile = dir.file("redis.pid");

    let database = format!(
        "exec {prefix}{} -D {pgdata_q} -p $PORT -k {pgdata_q} -h 127.0.0.1 -c fsync=off",
        sh_quote(&pg_bin.join("postgres").to_string_lossy())
    );
    let redis = format!(
        "exec redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --pidfile {}",
        sh_quote(&redis_pidfile.to_string_lossy())
    );
    let migrate = "createdb -h 127.0.0.1 -p $DATABASE_PORT -U app appdb && \
        psql -h 127.0.0.1 -p $DATABASE_PORT -U app -d appdb -v ON_ERROR_STOP=1 \
        -c 'create table items (id int primary key, name text)' \
        -c \"insert into items values (1, 'one')\"";
    // The backend proves both URLs work before the toy server even starts.
    let backend = format!(
        "test \"$(psql \"$DATABASE_URL\" -tAc 'select name from items where id = 1')\" = one && \
         test \"$(redis-cli -u \"$REDIS_URL\" ping)\" = PONG && \
         exec {}",
        dir.toy_shell(
            "backend",
            &[
                "--check-url",
                "DATABASE_URL",
                "--check-url",
                "REDIS_URL",
                "--print-env",
                "DATABASE_URL",
                "--print-env",
                "REDIS_URL"
            ]
        )
    );
    let stack = format!(
        r#"[coordination]
startup_retry_count = 0

[ports.ranges]
test = "{range}"

[services.database]
command = {database}
port = {{ range = "test" }}
url = "postgres://app@$HOST:$PORT/appdb"
ready = {{ exec = "pg_isready -q -h 127.0.0.1 -p $PORT" }}
stop_signal = "INT"

[services.redis]
command = {redis}
port = {{ range = "test" }}
url = "redis://$HOST:$PORT/0"
ready = {{ exec = "test \"$(redis-cli -h 127.0.0.1 -p $PORT ping)\" = PONG" }}

[services.migrate]
kind = "task"
command = {migrate}
depends_on = {{ database = "required" }}

[services.backend]
command = {backend}
port = {{ range = "test" }}
depends_on = {{ database = "required", redis = "required", migrate = "required" }}
ready = {{ http = "/health" }}
"#,
        range = dir.ports().range(0, 8),
        database = toml_str(&database),
        redis = toml_str(&redis),
        migrate = toml_str(migrate),
        backend = toml_str(&backend),
    );
    let stack = dir.write("coord.toml", &stack);
    let mut coord = CoordRun::run(&stack);
    let summary = coord
        .wait_line(PATIENCE, is_summary)
        .unwrap_or_else(|t| panic!("{t}"));
    let events = dir.events().read();
    let log = dir.events().dump();
    assert!(
        has(&events, "backend", "ready"),
        "{summary}\n{log}\n{}",
        coord.transcript()
    );
    assert!(listening_port(&events, "backend").is_some());
    let db_url = env_of(&events, "backend", "DATABASE_URL").expect("DATABASE_URL");
    let redis_url = env_of(&events, "backend", "REDIS_URL").expect("REDIS_URL");
    assert!(
        db_url.starts_with("postgres://app@") && db_url.ends_with("/appdb"),
        "{db_url}"
    );
    assert!(redis_url.starts_with("redis://"), "{redis_url}");

    let postmaster = first_line_pid(&pgdata.join("postmaster.pid")).expect("postgres is running");
    let redis_pid = first_line_pid(&redis_pidfile).expect("redis wrote its pid file");
    assert!(procs::alive(postmaster) && procs::alive(redis_pid));

    coord.interrupt();
    assert_eq!(coord.exit_code(PATIENCE), 0, "{}", coord.transcript());
    let mut pids = dir.events().pids();
    pids.extend([postmaster, redis_pid]);
    if let Err(left) = procs::wait_all_gone(&pids, PATIENCE) {
        let left: Vec<String> = left.into_iter().map(procs::describe).collect();
        panic!("still running after Ctrl-C: {left:?}");
    }
}

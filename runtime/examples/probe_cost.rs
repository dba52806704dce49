//! Measures the cost of attributing a listener to a process group (development aid).
fn main() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let g = rustix::process::getpgrp().as_raw_nonzero().get() as u32;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let inodes = coord::procfs::listening_inodes(port);
        let t1 = t.elapsed();
        let members = coord::procfs::group_members(g);
        let t2 = t.elapsed();
        let owner = coord::procfs::listener_owner(g, port);
        let t3 = t.elapsed();
        println!(
            "inodes {inodes:?} {t1:?}; members {} {t2:?}; owner {owner:?} {t3:?}",
            members.len()
        );
        let t = std::time::Instant::now();
        let o = smol::block_on(coord::probe::tcp::probe(g, port));
        println!("tcp probe {o:?} {:?}", t.elapsed());
    }
}

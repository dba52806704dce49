//! Blocks of free ports on 127.0.0.1 for one test, exclusive among concurrently running tests
//! (threads or processes, e.g. under nextest) through a lock file per block.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// Size of every block; a test needs at most this many consecutive ports.
pub const BLOCK: u16 = 32;
/// Blocks are taken from 12000..32000: below Linux's ephemeral range (32768+), so outgoing
/// connections never land in them.
const FIRST: u16 = 12000;
const BLOCKS: u32 = (32000 - FIRST as u32) / BLOCK as u32;

/// A block of [`BLOCK`] consecutive ports, all free when it was taken, owned until dropped.
#[derive(Debug)]
pub struct PortBlock {
    /// First port of the block.
    pub start: u16,
    _lock: File,
}

impl PortBlock {
    /// Takes a free block. Panics if none is found (all 625 taken or busy).
    pub fn take() -> PortBlock {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = lock_dir();
        let seed = std::process::id().wrapping_mul(2_654_435_761);
        for _ in 0..BLOCKS {
            let i = (seed.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed))) % BLOCKS;
            let start = FIRST + (i as u16) * BLOCK;
            let Ok(file) = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("{start}.lock")))
            else {
                continue;
            };
            if file.try_lock().is_err() {
                continue;
            }
            if (start..start + BLOCK).all(port_is_free) {
                return PortBlock { start, _lock: file };
            }
        }
        panic!("no free block of {BLOCK} ports in {FIRST}..32000 on 127.0.0.1");
    }

    /// The `i`-th port of the block.
    pub fn port(&self, i: u16) -> u16 {
        assert!(i < BLOCK, "a port block has {BLOCK} ports");
        self.start + i
    }

    /// `first-last` for the `len` ports starting at offset `from`, as `[ports.ranges]` writes it.
    pub fn range(&self, from: u16, len: u16) -> String {
        assert!(len >= 1 && from + len <= BLOCK, "range outside the block");
        format!("{}-{}", self.start + from, self.start + from + len - 1)
    }

    /// The ports `from..from+len` of the block.
    pub fn ports(&self, from: u16, len: u16) -> Vec<u16> {
        (self.start + from..self.start + from + len).collect()
    }
}

/// Whether 127.0.0.1:`port` can be bound right now.
pub fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn lock_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("coord-tests-ports");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

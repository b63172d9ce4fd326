//! `Pool<T>`: a lock-protected stack of reusable work buffers.

use std::sync::Mutex;

/// A lock-protected stack of reusable work buffers: each call pops one (or makes a fresh one),
/// so concurrent callers never share buffers and steady-state calls allocate nothing.
pub struct Pool<T> {
    items: Mutex<Vec<T>>,
}

impl<T: Default> Pool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Pool {
            items: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a buffer from the pool.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut w = self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let r = f(&mut w);
        self.items.lock().unwrap_or_else(|e| e.into_inner()).push(w);
        r
    }
}

impl<T: Default> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

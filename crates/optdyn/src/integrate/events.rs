//! Events: roots of user functions `g(t, y)` located inside steps (as scipy's `events`), by the
//! Illinois variant of regula falsi on the scheme's interpolant.

use crate::stop::StopReason;
use std::fmt;
use std::sync::Arc;

/// Which sign changes of an event function `g` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Any sign change.
    Both,
    /// `g` going from negative to non-negative.
    Rising,
    /// `g` going from positive to non-positive.
    Falling,
}

/// An event function `g(t, y)`.
pub type EventFn = Arc<dyn Fn(f64, &[f64]) -> f64 + Send + Sync>;

/// A user event: a root of `g(t, y)` located inside a step (as scipy's `events`).
#[derive(Clone)]
pub struct Event {
    /// Name reported in [`StopReason::Event`] and [`EventHit`].
    pub name: String,
    /// The event function; an event happens where it changes sign.
    pub g: EventFn,
    /// Which sign changes count.
    pub direction: Direction,
    /// Whether the solve stops at this event.
    pub terminal: bool,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .field("direction", &self.direction)
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// An event that happened: its name, time and the (interpolated) state there.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit {
    /// The event's name.
    pub name: String,
    /// Located time.
    pub t: f64,
    /// State at `t`, from the scheme's interpolant.
    pub y: Vec<f64>,
}

/// Locates a root of `g(s)` in `[a, b]` where `g(a)` and `g(b)` have opposite signs (or
/// `g(b) = 0`) by the Illinois variant of regula falsi (Dowell & Jarratt 1971). Returns the
/// end of the final bracket on `b`'s side, i.e. the first point known to be past the crossing,
/// within `1e-14·max(1, |t|)`.
pub(crate) fn illinois(
    mut a: f64,
    mut ga: f64,
    mut b: f64,
    mut gb: f64,
    g: &mut dyn FnMut(f64) -> f64,
) -> f64 {
    let mut side = 0i8;
    for _ in 0..200 {
        if gb == 0.0 || (b - a).abs() <= 1e-14 * b.abs().max(1.0) {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !(c > a.min(b) && c < a.max(b)) {
            c = 0.5 * (a + b);
        }
        let gc = g(c);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == (gb > 0.0) {
            b = c;
            gb = gc;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        } else {
            a = c;
            ga = gc;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        }
    }
    b
}

/// Event bookkeeping shared by the drivers: the values of every `g` at the start of the current
/// step and scratch for the interpolated state.
pub(crate) struct EventTracker {
    g_prev: Vec<f64>,
    buf: Vec<f64>,
    hits: Vec<(f64, usize)>,
}

impl EventTracker {
    pub(crate) fn new(events: &[Event], t0: f64, y0: &[f64]) -> Self {
        EventTracker {
            g_prev: events.iter().map(|e| (e.g)(t0, y0)).collect(),
            buf: vec![0.0; y0.len()],
            hits: Vec::with_capacity(events.len()),
        }
    }

    /// After a step `(ta, tb]` ending at `yb`, finds the crossings of every event with the
    /// interpolant `interp(t, out)`, records them in `hits_out` in time order up to and
    /// including the first terminal one, and returns that terminal event's stop reason.
    pub(crate) fn after_step(
        &mut self,
        events: &[Event],
        ta: f64,
        tb: f64,
        yb: &[f64],
        interp: &dyn Fn(f64, &mut [f64]),
        hits_out: &mut Vec<EventHit>,
    ) -> Option<StopReason> {
        self.hits.clear();
        for (i, e) in events.iter().enumerate() {
            let ga = self.g_prev[i];
            let gb = (e.g)(tb, yb);
            self.g_prev[i] = gb;
            let rising = ga < 0.0 && gb >= 0.0;
            let falling = ga > 0.0 && gb <= 0.0;
            let hit = match e.direction {
                Direction::Both => rising || falling,
                Direction::Rising => rising,
                Direction::Falling => falling,
            };
            if hit {
                let buf = &mut self.buf;
                let tr = illinois(ta, ga, tb, gb, &mut |s| {
                    interp(s, buf);
                    (e.g)(s, buf)
                });
                self.hits.push((tr, i));
            }
        }
        if self.hits.is_empty() {
            return None;
        }
        self.hits.sort_by(|p, q| p.0.total_cmp(&q.0));
        for &(tr, i) in &self.hits {
            interp(tr, &mut self.buf);
            hits_out.push(EventHit {
                name: events[i].name.clone(),
                t: tr,
                y: self.buf.clone(),
            });
            if events[i].terminal {
                return Some(StopReason::Event {
                    t: tr,
                    name: events[i].name.clone(),
                });
            }
        }
        None
    }
}

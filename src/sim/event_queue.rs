//! The future-event list.
//!
//! Events are ordered by `(time, seq)`, where `seq` is the insertion counter, so events at
//! the same [`SimTime`] pop first-in-first-out. That tie-break makes a replication fully
//! deterministic without the payload having to be comparable (the payload takes no part in
//! ordering), and FIFO is the natural reading of "these happened at the same second".
//! Times are integers ([`crate::time`]), so the order never depends on float rounding.
//!
//! It is a plain binary heap: O(log n) push and pop, no allocation once warmed up, and
//! [`EventQueue::clear`] keeps the capacity so one queue serves every replication a worker
//! runs.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// One scheduled event. Ordered by `(time, seq)` only, reversed so that `BinaryHeap` (a
/// max-heap) yields the earliest first.
#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the smallest (time, seq) is the heap's maximum.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A min-priority queue of events by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// Time of the last popped event: the simulation clock.
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` events before reallocating.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// Schedules `event` at `time`.
    ///
    /// # Panics
    /// In debug builds, if `time` is earlier than the last popped event's time: scheduling
    /// into the past is a bug in the model.
    pub fn push(&mut self, time: SimTime, event: E) {
        debug_assert!(
            time >= self.now,
            "event scheduled at {time} before the current time {}",
            self.now
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event (the earliest-pushed among equal times), and
    /// advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Entry { time, event, .. } = self.heap.pop()?;
        self.now = time;
        Some((time, event))
    }

    /// Time of the next event, if any.
    #[must_use]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Time of the last popped event ([`SimTime::ZERO`] before the first pop).
    #[must_use]
    pub const fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drops all pending events and resets the clock and sequence to zero, keeping the
    /// allocated capacity for the next replication.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
        self.now = SimTime::ZERO;
    }

    /// Number of events the queue can hold without reallocating.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.heap.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        q.push(t(30), "c");
        q.push(t(10), "a");
        q.push(t(20), "b");
        assert_eq!(q.len(), 3);
        assert_eq!(q.peek_time(), Some(t(10)));
        assert_eq!(q.pop(), Some((t(10), "a")));
        assert_eq!(q.now(), t(10));
        assert_eq!(q.pop(), Some((t(20), "b")));
        assert_eq!(q.pop(), Some((t(30), "c")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
        assert_eq!(q.peek_time(), None);
    }

    #[test]
    fn equal_times_pop_fifo() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(t(5), i);
        }
        q.push(t(1), -1);
        assert_eq!(q.pop(), Some((t(1), -1)));
        for i in 0..100 {
            assert_eq!(q.pop(), Some((t(5), i)));
        }
    }

    #[test]
    fn payload_needs_no_ordering() {
        struct Opaque(#[allow(dead_code)] u8);
        let mut q = EventQueue::new();
        q.push(t(2), Opaque(2));
        q.push(t(1), Opaque(1));
        assert_eq!(q.pop().map(|(time, _)| time), Some(t(1)));
    }

    #[test]
    fn push_at_current_time_is_allowed() {
        let mut q = EventQueue::new();
        q.push(t(10), 1);
        let _ = q.pop();
        q.push(t(10), 2);
        assert_eq!(q.pop(), Some((t(10), 2)));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "before the current time")]
    fn push_into_the_past_panics_in_debug() {
        let mut q = EventQueue::new();
        q.push(t(10), ());
        let _ = q.pop();
        q.push(t(9), ());
    }

    #[test]
    fn clear_keeps_capacity_and_resets_clock() {
        let mut q = EventQueue::with_capacity(64);
        for i in 0..64 {
            q.push(t(i), i);
        }
        let _ = q.pop();
        let cap = q.capacity();
        assert!(cap >= 64);
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.capacity(), cap);
        assert_eq!(q.now(), SimTime::ZERO);
        // Earlier times are fine again after a clear.
        q.push(t(0), 0);
        assert_eq!(q.pop(), Some((t(0), 0)));
    }

    proptest! {
        #[test]
        fn pops_nondecreasing_and_fifo_among_ties(times in prop::collection::vec(0u64..20, 0..300)) {
            let mut q = EventQueue::new();
            for (i, &s) in times.iter().enumerate() {
                q.push(t(s), i);
            }
            let mut last: Option<(SimTime, usize)> = None;
            let mut popped = 0;
            while let Some((time, i)) = q.pop() {
                prop_assert_eq!(time, t(times[i]));
                if let Some((lt, li)) = last {
                    prop_assert!(time >= lt);
                    if time == lt {
                        prop_assert!(i > li, "FIFO broken at {}: {} after {}", time, i, li);
                    }
                }
                last = Some((time, i));
                popped += 1;
            }
            prop_assert_eq!(popped, times.len());
        }

        #[test]
        fn interleaved_pushes_and_pops_stay_ordered(
            ops in prop::collection::vec((any::<bool>(), 0u64..10), 0..400),
        ) {
            // Like a simulation: each push is at `now + delay`, interleaved with pops.
            let mut q = EventQueue::new();
            let mut last: Option<(SimTime, u64)> = None;
            let mut seq = 0u64;
            for (is_pop, delay) in ops {
                if is_pop {
                    if let Some((time, s)) = q.pop() {
                        if let Some((lt, ls)) = last {
                            prop_assert!(time > lt || (time == lt && s > ls));
                        }
                        last = Some((time, s));
                    }
                } else {
                    q.push(q.now() + delay, seq);
                    seq += 1;
                }
            }
        }
    }
}

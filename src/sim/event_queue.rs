//! The future-event list.
//!
//! Events are ordered by `(time, seq)`, where `seq` is the insertion counter, so events at
//! the same [`SimTime`] pop first-in-first-out. That tie-break makes a replication fully
//! deterministic without the payload having to be comparable (the payload takes no part in
//! ordering), and FIFO is the natural reading of "these happened at the same second".
//! Times are integers ([`crate::time`]), so the order never depends on float rounding.
//!
//! The event loop spends more time here than anywhere else, so the layout is tuned:
//!
//! - **One `u64` key per event**: the time in whole seconds in the high 32 bits, the
//!   insertion counter in the low 32, so one integer compare orders two events. 2³² s is
//!   136 years, beyond any horizon (validation caps it at 100 years); a later time is
//!   clamped to [`EventQueue::LAST_TIME`] and pops at that time, after everything earlier.
//!   When the counter would wrap (after 2³² pushes) the pending events are renumbered in
//!   order, which keeps FIFO exact at a cost of one sort per four billion pushes.
//! - **Payloads beside the heap**: the heap holds 16-byte `(key, slot)` entries and the
//!   events sit in a slab indexed by slot (freed slots are reused), so sifting moves 16
//!   bytes instead of the whole event, and four siblings fill 64 bytes.
//! - **A 4-ary heap** (half the depth of a binary one), sifting a *hole* rather than
//!   swapping; a pop walks the hole to a leaf and sifts the last entry up from there
//!   (Floyd), since the last entry is usually a late one. The earliest of four siblings
//!   is found by a tournament of conditional moves, not by branches the predictor
//!   would miss half the time.
//! - **Unchecked indexing in the sifts**, the crate's only `unsafe`: every index there is
//!   bounded by the loop's own condition (a child group starts below the length, a parent
//!   sits below its child), so the bounds checks were pure cost, 3 % of the instructions
//!   of a Chongqing replication. Each block states its bound, debug builds assert it, and
//!   the proptests below drive both sifts through random interleavings.
//!
//! It never allocates once warmed up, and [`EventQueue::clear`] keeps the capacity so one
//! queue serves every replication a worker runs. Pushes and pops are O(log n).

use crate::time::SimTime;

/// Children per heap node.
const ARITY: usize = 4;

/// One scheduled event in the heap: its order key and where its payload is.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `time << 32 | seq`.
    key: u64,
    /// Index of the payload in [`EventQueue::events`].
    slot: u32,
}

impl Entry {
    fn time(self) -> SimTime {
        SimTime::from_secs(self.key >> 32)
    }
}

/// Index of the earliest of 1 to [`ARITY`] sibling entries.
///
/// Which child is earliest is a coin toss to the branch predictor, so a full set of four
/// is compared as a tournament of selects (two pairs, then their winners), which compiles
/// to conditional moves instead of three mispredicted branches per level.
#[inline(always)]
fn earliest(children: &[Entry]) -> usize {
    if let [c0, c1, c2, c3] = children {
        let a = usize::from(c1.key < c0.key);
        let b = 2 + usize::from(c3.key < c2.key);
        let (ka, kb) = (children[a].key, children[b].key);
        if kb < ka { b } else { a }
    } else {
        let mut min = 0;
        for (c, child) in children.iter().enumerate().skip(1) {
            if child.key < children[min].key {
                min = c;
            }
        }
        min
    }
}

/// A min-priority queue of events by time, FIFO among equal times.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<Entry>,
    /// Payloads by slot; slots in `free` are unused.
    events: Vec<E>,
    free: Vec<u32>,
    /// Insertion counter of the next push (the low half of its key).
    next_seq: u32,
    /// Time of the last popped event: the simulation clock.
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// The latest time the queue distinguishes: 2³² − 1 s, about 136 years.
    pub const LAST_TIME: SimTime = SimTime::from_secs(u32::MAX as u64);

    /// An empty queue at time zero.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` events before reallocating.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
            events: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// Schedules `event` at `time` (clamped to [`Self::LAST_TIME`]).
    ///
    /// # Panics
    /// In debug builds, if `time` is earlier than the last popped event's time: scheduling
    /// into the past is a bug in the model.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        debug_assert!(
            time >= self.now,
            "event scheduled at {time} before the current time {}",
            self.now
        );
        if self.next_seq == u32::MAX {
            self.renumber();
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.events[slot as usize] = event;
                slot
            }
            None => {
                self.events.push(event);
                u32::try_from(self.events.len() - 1).expect("fewer than 2^32 pending events")
            }
        };
        let secs = time.secs().min(Self::LAST_TIME.secs());
        let entry = Entry {
            key: (secs << 32) | u64::from(self.next_seq),
            slot,
        };
        self.next_seq += 1;
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1, entry);
    }

    /// Places `entry` at `hole` or above it, moving parents that pop later down.
    #[inline(always)]
    fn sift_up(&mut self, mut hole: usize, entry: Entry) {
        // Checked once here; within the loop, parent < hole <= this slice's last index.
        let heap = &mut self.heap[..=hole];
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            // SAFETY: parent < hole <= heap.len() - 1.
            let p = unsafe { *heap.get_unchecked(parent) };
            if entry.key >= p.key {
                break;
            }
            // SAFETY: hole < heap.len().
            unsafe { *heap.get_unchecked_mut(hole) = p };
            hole = parent;
        }
        heap[hole] = entry;
    }

    /// Removes and returns the earliest event (the earliest-pushed among equal times), and
    /// advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            None => last,
            Some(&top) => {
                self.sift_down_from_root(last);
                top
            }
        };
        self.now = top.time();
        self.free.push(top.slot);
        Some((self.now, self.events[top.slot as usize]))
    }

    /// The root is a hole: walk it down to a leaf along the earliest children, then put
    /// `last` there and sift it up. `last` was pushed recently and is usually late, so it
    /// rarely climbs, and the walk down skips comparing with it at every level (Floyd's
    /// bottom-up variant, as `std`'s `BinaryHeap::pop` does).
    #[inline(always)]
    fn sift_down_from_root(&mut self, last: Entry) {
        let heap = &mut self.heap[..];
        let len = heap.len();
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            if first >= len {
                break;
            }
            let end = (first + ARITY).min(len);
            debug_assert!(hole < first && first < end && end <= len);
            // SAFETY: first < end <= len.
            let children = unsafe { heap.get_unchecked(first..end) };
            let min = earliest(children);
            debug_assert!(min < children.len());
            // SAFETY: min < children.len() (earliest returns an index into its argument),
            // and hole < first < len.
            unsafe { *heap.get_unchecked_mut(hole) = *children.get_unchecked(min) };
            hole = first + min;
        }
        self.sift_up(hole, last);
    }

    /// Gives the pending events insertion counters `0..n` in their current order, so the
    /// counter can go on without wrapping. A sorted array is a valid heap.
    #[cold]
    fn renumber(&mut self) {
        self.heap.sort_unstable_by_key(|e| e.key);
        for (seq, e) in self.heap.iter_mut().enumerate() {
            let seq = u32::try_from(seq).expect("fewer than 2^32 pending events");
            e.key = (e.key & !u64::from(u32::MAX)) | u64::from(seq);
        }
        self.next_seq = u32::try_from(self.heap.len()).expect("fewer than 2^32 pending events");
    }

    /// Time of the next event, if any.
    #[must_use]
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| e.time())
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
        self.events.clear();
        self.free.clear();
        self.next_seq = 0;
        self.now = SimTime::ZERO;
    }

    /// Number of events the queue can hold without reallocating.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.heap.capacity().min(self.events.capacity())
    }

    /// Sets the insertion counter, so tests can cross its wrap without 2³² pushes.
    #[cfg(test)]
    fn set_next_seq(&mut self, seq: u32) {
        self.next_seq = seq;
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
        #[derive(Clone, Copy)]
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

    #[test]
    fn fifo_survives_the_counter_wrapping() {
        let mut q = EventQueue::new();
        q.set_next_seq(u32::MAX - 5);
        // Interleave equal and different times across the wrap.
        for i in 0..20u64 {
            q.push(t(100 + i % 3), i);
        }
        let mut popped = Vec::new();
        while let Some((time, i)) = q.pop() {
            popped.push((time.secs(), i));
        }
        let mut expected: Vec<(u64, u64)> = (0..20).map(|i| (100 + i % 3, i)).collect();
        expected.sort(); // by time, then by push order (i)
        assert_eq!(popped, expected);
    }

    #[test]
    fn times_beyond_the_last_are_clamped_and_stay_last() {
        let mut q = EventQueue::new();
        let last = EventQueue::<u8>::LAST_TIME;
        q.push(SimTime::MAX, 1u8);
        q.push(last + 10, 2);
        q.push(t(5), 0);
        assert_eq!(q.pop(), Some((t(5), 0)));
        assert_eq!(q.pop(), Some((last, 1)));
        assert_eq!(q.pop(), Some((last, 2)));
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

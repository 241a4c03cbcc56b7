//! Stable sorting through one compiled sort routine.
//!
//! The standard library's stable sort is compiled anew for every element type and comparison,
//! ~4.5 KB of WASM each time. These helpers sort positions (`usize`) with a comparison behind a
//! `dyn` pointer, so the module holds one copy of the sort, then move the elements into that
//! order. The result is exactly the standard stable sort's: ties keep their order.

use core::cmp::Ordering;

/// Like `slice::sort_by` (stable).
pub(crate) fn sort_by<T>(v: &mut Vec<T>, mut compare: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_positions(&mut order, &mut |a, b| compare(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.iter().filter_map(|&i| slots[i].take()));
}

/// Like `slice::sort_by_key` (stable).
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Like `slice::sort` (stable).
pub(crate) fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

fn sort_positions(order: &mut [usize], compare: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_the_same_as_the_standard_sort() {
        let items: Vec<(u8, u32)> = (0..200u32).map(|i| ((i * 7919 % 13) as u8, i)).collect();
        let mut ours = items.clone();
        sort_by_key(&mut ours, |x| x.0);
        let mut std = items.clone();
        std.sort_by_key(|x| x.0);
        assert_eq!(ours, std);
        let mut words = vec!["b", "a", "c", "a"];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
        let mut none: Vec<u8> = Vec::new();
        sort(&mut none);
        assert!(none.is_empty());
    }
}

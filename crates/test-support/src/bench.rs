//! Benchmark helpers: timing implementations against each other in the same run, and the
//! figures of their tables.

use std::time::{Duration, Instant};

/// Runs `runs` in `rounds` interleaved rounds (each repeating one run for about 40 ms, at least
/// three times), so that a machine whose speed drifts slows them alike; the median duration of
/// each run's repetitions.
pub fn interleaved(rounds: usize, runs: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut samples = vec![Vec::new(); runs.len()];
    for _ in 0..rounds {
        for (run, samples) in runs.iter_mut().zip(&mut samples) {
            round(*run, samples);
        }
    }
    samples.into_iter().map(median_duration).collect()
}

/// One round of [`interleaved`]: repeats `run` for about 40 ms (until `samples` holds at least
/// three), adding the duration of each repetition to `samples`.
pub fn round(run: &mut dyn FnMut(), samples: &mut Vec<Duration>) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(40) || samples.len() < 3 {
        let t = Instant::now();
        run();
        samples.push(t.elapsed());
    }
}

/// The median of `samples`, which must not be empty.
pub fn median_duration(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median of `values` (NaN if there are none).
pub fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `min–max` of `values` with `digits` decimals, or one figure if both read the same.
pub fn range(values: &[f64], digits: usize) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if format!("{min:.digits$}") == format!("{max:.digits$}") {
        format!("{min:.digits$}")
    } else {
        format!("{min:.digits$}–{max:.digits$}")
    }
}

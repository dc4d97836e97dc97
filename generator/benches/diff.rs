//! Diffing v1.16 against v1.19: all five APIs and the event schemas, loading both
//! versions included (`load_and_diff`), and the comparison alone on loaded versions.

use criterion::{Criterion, criterion_group, criterion_main};
use matrix_codegen::SpecSource;
use matrix_codegen::diff::{self, Options};

fn diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("diff");
    group.sample_size(20);
    let old = SpecSource::version("v1.16").expect("spec collection present");
    let new = SpecSource::version("v1.19").expect("spec collection present");
    let options = Options::default();
    group.bench_function("v1.16_v1.19_with_loading", |b| {
        b.iter(|| diff::load_and_diff(&old, &new, &options).expect("both load"));
    });
    let old_spec = matrix_codegen::load(&old).expect("v1.16 loads");
    let new_spec = matrix_codegen::load(&new).expect("v1.19 loads");
    group.bench_function("v1.16_v1.19_compare_only", |b| {
        b.iter(|| diff::diff(&old_spec, &new_spec, &options));
    });
    group.finish();
}

criterion_group!(benches, diff);
criterion_main!(benches);

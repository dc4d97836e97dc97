//! Loading and resolving a whole spec version (all five APIs and the event schemas).

use criterion::{Criterion, criterion_group, criterion_main};
use matrix_codegen::SpecSource;

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for version in ["v1.19", "v1.7"] {
        let source = SpecSource::version(version).expect("spec collection present");
        group.bench_function(version, |b| {
            b.iter(|| matrix_codegen::load(&source).expect("spec loads"));
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);

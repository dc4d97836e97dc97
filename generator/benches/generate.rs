//! Generating the code of all five API crates and the event types from one spec version,
//! loading included (what a build script does).

use criterion::{Criterion, criterion_group, criterion_main};
use matrix_codegen::SpecSource;
use matrix_codegen::ir::Api;

fn generate(c: &mut Criterion) {
    let source = SpecSource::version("v1.19").expect("spec collection present");
    c.bench_function("generate/v1.19 (load + all five APIs)", |b| {
        b.iter(|| {
            let spec = matrix_codegen::load(&source).expect("spec loads");
            Api::ALL
                .iter()
                .map(|&api| {
                    matrix_codegen::emit::generate(&spec, api)
                        .expect("generates")
                        .to_single_file()
                        .len()
                })
                .sum::<usize>()
        });
    });
}

criterion_group!(benches, generate);
criterion_main!(benches);

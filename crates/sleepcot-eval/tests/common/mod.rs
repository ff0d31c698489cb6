//! Test data the integration tests share: a seeded dataset the expert teacher wrote.

use std::path::Path;

use sleepcot_data::pipeline::{DataConfig, Dataset};
use sleepcot_data::teacher::ExpertTeacher;
use sleepcot_eval::RunDir;

/// A run directory at `dir` whose `data/` holds `users` simulated people (`nights` nights and
/// `follow_ups` follow-up questions each) and `questions` knowledge questions, drawn from
/// `seed` and written by the expert teacher.
pub fn expert_run(
    dir: &Path,
    seed: u64,
    users: usize,
    nights: usize,
    questions: usize,
    follow_ups: usize,
) -> RunDir {
    let config = DataConfig {
        seed,
        users,
        nights,
        questions,
        follow_ups_per_report: follow_ups,
        ..DataConfig::default()
    };
    let run = RunDir::new(dir);
    Dataset::generate(&config, &ExpertTeacher, &|_| {})
        .unwrap()
        .write(&run.data())
        .unwrap();
    run
}

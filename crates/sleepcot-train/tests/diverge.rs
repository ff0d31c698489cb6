//! A diverging run stops with an error naming the step and leaves the last good checkpoint whole.

mod common;

use sleepcot_data::teacher::Task;
use sleepcot_train::checkpoint;
use sleepcot_train::{TrainError, train};

#[test]
fn nan_loss_stops_the_run_and_keeps_the_last_checkpoint() {
    let records: Vec<_> = common::records(3, 20)
        .into_iter()
        .filter(|r| r.task == Task::Knowledge)
        .take(8)
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let data = common::write_split(&tmp.path().join("data"), &records, &records[..2]);
    let mut config = common::tiny_config(data, tmp.path().join("run"));
    config.run.batch_size = 2;
    config.run.max_steps = Some(20);
    config.run.checkpoint_every = 1;
    config.run.keep_checkpoints = 50;
    // An absurd learning rate without clipping blows the weights up within a few steps.
    config.optim.lr = 1e30;
    config.optim.clip_norm = None;
    config.optim.weight_decay = 0.0;
    let err = train(&config).unwrap_err();
    let TrainError::Diverged { step, .. } = &err else {
        panic!("expected divergence, got {err}");
    };
    let message = err.to_string();
    assert!(message.contains(&format!("step {step}")), "{message}");
    let saved = checkpoint::list(&tmp.path().join("run/main")).unwrap();
    assert_eq!(saved.len(), step - 1, "one checkpoint per good step");
    if let Some(last) = saved.last() {
        let state = checkpoint::read_state(last).unwrap();
        assert_eq!(state.step, step - 1);
        assert!(state.history.iter().all(|r| r.train_loss.is_finite()));
        assert!(message.contains(&last.display().to_string()), "{message}");
        // The last good checkpoint still loads.
        sleepcot_model::load_pretrained::<burn::backend::Flex>(
            last,
            burn::tensor::DType::F32,
            &Default::default(),
        )
        .unwrap();
    }
}

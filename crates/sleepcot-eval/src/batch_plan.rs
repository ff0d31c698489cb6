//! Which items share a generation batch.
//!
//! A batch decodes until its longest row ends, and its prompts are left-padded to the longest
//! one. Items taken in file order mix a report's recommendation (a long checklist) with its
//! follow-up (a few lines) and prompts of very different lengths, so short rows wait on long
//! ones and padding costs prefill. [`plan_batches`] groups the items by task (one generation
//! limit and one reply shape per batch) and orders each task's items by prompt length before
//! cutting batches. Rows that finish early still leave the batch (see
//! `sleepcot_model::generate`); the plan makes them finish together more often.
//!
//! The plan changes which rows decode together. Every row is masked and positioned as if alone
//! and the predictions are written in item order, but the CPU products can round differently
//! with a batch's row count, so a near-tied greedy choice can flip: in the quick experiment
//! (AVX2 kernels) 6 of 1,202 `scicot` answers and 89 of the untrained student's came out
//! otherwise than in file-order batches; no other student's did.

use std::collections::HashMap;

use sleepcot_data::teacher::Task;

use crate::testset::Item;

/// Splits `items` into batches of at most `batch_size` (at least 1) item indices: the tasks in
/// the order they first appear, each task's items from the longest prompt (system prompt and
/// user message, in characters) to the shortest, ties in item order. Every index appears in
/// exactly one batch, and a batch holds one task. The longest prompts go first, so a batch
/// that does not fit in memory fails at once rather than at the end of a run.
pub fn plan_batches(items: &[Item<'_>], batch_size: usize) -> Vec<Vec<usize>> {
    let mut task_rank: HashMap<Task, usize> = HashMap::new();
    for item in items {
        let next = task_rank.len();
        task_rank.entry(item.record.task).or_insert(next);
    }
    let length = |item: &Item<'_>| item.record.system.len() + item.record.user.len();
    let mut order: Vec<usize> = (0..items.len()).collect();
    // A stable sort: items of one task and one length keep their file order.
    order.sort_by_key(|&i| {
        (
            task_rank[&items[i].record.task],
            std::cmp::Reverse(length(&items[i])),
        )
    });
    let size = batch_size.max(1);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match batches.last_mut() {
            Some(last)
                if last.len() < size && items[last[0]].record.task == items[i].record.task =>
            {
                last.push(i)
            }
            _ => batches.push(vec![i]),
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use sleepcot_data::instructions::InstructionRecord;

    /// A record of `task` from the shared test data, with a user message of `user_len` bytes.
    fn record(id: &str, task: Task, user_len: usize) -> InstructionRecord {
        let template = crate::test_data::dataset()
            .records
            .iter()
            .find(|r| r.task == task)
            .expect("the test data has every task");
        InstructionRecord {
            id: id.to_string(),
            system: "S".into(),
            user: "u".repeat(user_len),
            ..template.clone()
        }
    }

    fn items(records: &[InstructionRecord]) -> Vec<Item<'_>> {
        records
            .iter()
            .enumerate()
            .map(|(index, record)| Item {
                index,
                record,
                report: None,
                question: None,
            })
            .collect()
    }

    #[test]
    fn batches_hold_one_task_longest_prompts_first_and_every_item_once() {
        use Task::*;
        let tasks = [Recommendation, FollowUp, Knowledge];
        let records: Vec<InstructionRecord> = (0..23)
            .map(|i| record(&format!("r{i}"), tasks[i % 3], (i * 37) % 101))
            .collect();
        let items = items(&records);
        let plan = plan_batches(&items, 4);
        let mut seen: Vec<usize> = plan.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..23).collect::<Vec<_>>(), "every item exactly once");
        let mut task_runs: Vec<Task> = Vec::new();
        for batch in &plan {
            assert!(!batch.is_empty() && batch.len() <= 4, "{batch:?}");
            let task = items[batch[0]].record.task;
            assert!(batch.iter().all(|&i| items[i].record.task == task));
            let lengths: Vec<usize> = batch.iter().map(|&i| items[i].record.user.len()).collect();
            assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "{lengths:?}");
            if task_runs.last() != Some(&task) {
                task_runs.push(task);
            }
        }
        // Tasks come in the order they first appear, each in one run of batches.
        assert_eq!(task_runs, tasks);
        // 8 recommendations, 8 follow-ups and 7 questions in batches of 4: 2 + 2 + 2.
        assert_eq!(plan.len(), 6);
    }

    #[test]
    fn equal_lengths_keep_item_order_and_a_batch_size_of_zero_means_one() {
        let records: Vec<InstructionRecord> = (0..3)
            .map(|i| record(&format!("r{i}"), Task::Knowledge, 10))
            .collect();
        assert_eq!(
            plan_batches(&items(&records), 0),
            vec![vec![0], vec![1], vec![2]]
        );
        assert_eq!(plan_batches(&items(&records), 8), vec![vec![0, 1, 2]]);
        assert!(plan_batches(&[], 8).is_empty());
    }
}

//! Evaluation, plots and reports (issue 5): not yet implemented; this crate reserves the place in the workspace.

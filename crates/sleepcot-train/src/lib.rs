//! Distillation training (issue 4): not yet implemented; this crate reserves the place in the workspace.

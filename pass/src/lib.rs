//! The syscall-cluster pass.

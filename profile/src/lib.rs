//! System call catalogue, trace ingestion, syscall graph and the profile file format.

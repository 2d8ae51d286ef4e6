//! libmulticall.

//! keyhound finds AI-provider API keys in files, standard input and git history.
//!
//! The pipeline, one module per stage: `source` yields blobs, `detect` turns blobs into findings,
//! `triage` sets aside what a team has accepted (config, inline allow, baseline), `report` turns
//! findings into text, JSON or SARIF. `rules` is the data `detect` runs on, `validate` the opt-in
//! live check of keys, `finding` the data that flows between stages, and `app` wires the stages
//! for the command line.

pub mod app;
pub mod cli;
pub mod detect;
pub mod diag;
pub mod finding;
pub mod hook;
pub mod report;
pub mod rules;
pub mod source;
pub mod triage;
pub mod validate;

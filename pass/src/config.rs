//! The pass's settings: parameters of `-passes='syscall-cluster<profile=F;min-weight=N;stats>'`,
//! falling back to the `-syscluster-*` command-line options (the only way to set them under
//! `clang -fpass-plugin`, as `-mllvm -syscluster-profile=F`).

use std::fmt;

/// A pass parameter that could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error("unknown parameter '{0}' (known: profile=FILE, min-weight=N, stats, no-stats)")]
    Unknown(String),
    #[error("parameter '{name}' needs a value ({name}=...)")]
    MissingValue { name: &'static str },
    #[error("min-weight must be a whole number, not '{0}'")]
    BadWeight(String),
}

/// Parameters given in the pipeline text; `None` means "use the command-line option".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params {
    pub profile: Option<String>,
    pub min_weight: Option<u64>,
    pub stats: Option<bool>,
}

impl Params {
    /// Parses `profile=F;min-weight=N;stats` (LLVM's `;`-separated parameter form).
    pub fn parse(text: &str) -> Result<Params, ParamError> {
        let mut p = Params::default();
        for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (item, None),
            };
            match name {
                "profile" => {
                    let v = value.filter(|v| !v.is_empty());
                    p.profile = Some(
                        v.ok_or(ParamError::MissingValue { name: "profile" })?
                            .to_string(),
                    );
                }
                "min-weight" => {
                    let v = value.ok_or(ParamError::MissingValue { name: "min-weight" })?;
                    p.min_weight = Some(
                        v.parse()
                            .map_err(|_| ParamError::BadWeight(v.to_string()))?,
                    );
                }
                "stats" if value.is_none() => p.stats = Some(true),
                "no-stats" if value.is_none() => p.stats = Some(false),
                _ => return Err(ParamError::Unknown(item.to_string())),
            }
        }
        Ok(p)
    }
}

/// The `-syscluster-*` command-line options (and LLVM's `-stats`) as the host parsed them
/// (the shim reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// `-syscluster-profile`'s value when it was given (possibly empty).
    pub profile: Option<String>,
    pub min_weight: u64,
    pub stats: bool,
}

/// The settings one run of the pass uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Profile file; without one the pass only reports the sites it finds.
    pub profile: Option<String>,
    /// Edges lighter than this are ignored.
    pub min_weight: u64,
    /// Print counters in -stats format.
    pub stats: bool,
}

impl Config {
    /// Pipeline parameters win over command-line options.
    pub fn resolve(params: &Params, cl: &CommandLine) -> Config {
        let profile = params.profile.clone().or_else(|| cl.profile.clone());
        Config {
            profile,
            min_weight: params.min_weight.unwrap_or(cl.min_weight),
            stats: params.stats.unwrap_or(cl.stats),
        }
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "profile={} min-weight={}",
            self.profile.as_deref().unwrap_or("(none)"),
            self.min_weight
        )
    }
}

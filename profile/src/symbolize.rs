//! Call sites from stack frames: `llvm-symbolizer --inlining` on a frame's return address minus one.
//!
//! strace prints each frame's address as an offset into the object's *file*; the symbolizer wants a
//! virtual address, so the offset is mapped through the object's ELF program headers (`PT_LOAD`).
//! All addresses of one object go to one symbolizer process.

use crate::format::{Frame, Site};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why sites could not be looked up. Like `ProfileError`, each message says its cause itself.
#[derive(Debug, thiserror::Error)]
pub enum SymbolizeError {
    #[error("no llvm-symbolizer found (tried $SYSCLUSTER_SYMBOLIZER, llvm-symbolizer-19, llvm-symbolizer): install llvm-19 (scripts/setup.sh)")]
    NotFound,
    #[error("cannot read {path}: {error}")]
    Object {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not an ELF object")]
    NotElf { path: PathBuf },
    #[error("running {program} failed: {error}")]
    Run {
        program: String,
        error: std::io::Error,
    },
    #[error("{program} exited with {status} on {object}")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
        object: PathBuf,
    },
}

/// Why an address has no site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoSite {
    /// The object has no debug information for the address: code built without `-g`, or start-up
    /// code such as `_start` (crt1.o) in a program built with it. `function` is the symbol table's
    /// name, when it has one.
    NoDebugInfo { function: Option<String> },
    /// Debug information places the address on line 0: code the compiler attributes to no source
    /// line (merged or compiler-generated code).
    LineZero { function: String, file: String },
}

/// A way to run llvm-symbolizer.
#[derive(Debug, Clone)]
pub struct Symbolizer {
    program: String,
}

impl Symbolizer {
    /// `$SYSCLUSTER_SYMBOLIZER`, else `llvm-symbolizer-19`, else `llvm-symbolizer`, whichever runs.
    pub fn find() -> Result<Symbolizer, SymbolizeError> {
        let mut candidates = Vec::new();
        if let Ok(p) = std::env::var("SYSCLUSTER_SYMBOLIZER") {
            candidates.push(p);
        }
        candidates.push("llvm-symbolizer-19".into());
        candidates.push("/usr/lib/llvm-19/bin/llvm-symbolizer".into());
        candidates.push("llvm-symbolizer".into());
        for program in candidates {
            let ok = Command::new(&program)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return Ok(Symbolizer { program });
            }
        }
        Err(SymbolizeError::NotFound)
    }

    /// The sites of `offsets` (file offsets of return addresses, as strace prints them) in `object`,
    /// in order; where the symbolizer knows no source location, why.
    pub fn symbolize(
        &self,
        object: &Path,
        offsets: &[u64],
    ) -> Result<Vec<Result<Site, NoSite>>, SymbolizeError> {
        let segments = load_segments(object)?;
        let addresses: Vec<u64> = offsets
            .iter()
            .map(|&off| {
                file_offset_to_vaddr(&segments, off)
                    .unwrap_or(off)
                    .saturating_sub(1)
            })
            .collect();
        let mut child = Command::new(&self.program)
            .arg("--inlining")
            .arg("--functions=linkage")
            .arg("--demangle")
            .arg(format!("--obj={}", object.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| SymbolizeError::Run {
                program: self.program.clone(),
                error,
            })?;
        let mut input = String::with_capacity(addresses.len() * 12);
        for a in &addresses {
            input.push_str(&format!("{a:#x}\n"));
        }
        // Write from another thread: the symbolizer answers while it reads, and both pipes are finite.
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(input.as_bytes());
            }
        });
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            stdout
                .read_to_string(&mut out)
                .map_err(|error| SymbolizeError::Run {
                    program: self.program.clone(),
                    error,
                })?;
        }
        let _ = writer.join();
        let status = child.wait().map_err(|error| SymbolizeError::Run {
            program: self.program.clone(),
            error,
        })?;
        if !status.success() {
            return Err(SymbolizeError::Failed {
                program: self.program.clone(),
                status,
                object: object.to_path_buf(),
            });
        }
        let mut sites = parse_output(&out);
        sites.resize(offsets.len(), Err(NoSite::NoDebugInfo { function: None }));
        for s in sites.iter_mut().flatten() {
            s.object = Some(object.display().to_string());
        }
        Ok(sites)
    }
}

/// Parses llvm-symbolizer's LLVM-style output: per address, pairs of `function` and
/// `file:line:column` lines (innermost first), then an empty line.
pub fn parse_output(out: &str) -> Vec<Result<Site, NoSite>> {
    let mut result = Vec::new();
    for block in out.split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let mut frames = Vec::new();
        let mut missing = NoSite::NoDebugInfo { function: None };
        for pair in lines.chunks(2) {
            let [function, location] = pair else { break };
            match parse_location(function, location) {
                Ok(frame) => frames.push(frame),
                Err(why) => {
                    missing = why;
                    break;
                }
            }
        }
        if frames.is_empty() {
            result.push(Err(missing));
            continue;
        }
        let inner = frames.remove(0);
        result.push(Ok(Site {
            function: inner.function,
            file: inner.file,
            line: inner.line,
            column: inner.column,
            inlined_at: frames,
            object: None,
        }));
    }
    result
}

fn parse_location(function: &str, location: &str) -> Result<Frame, NoSite> {
    let known = (function != "??").then(|| function.to_string());
    let unknown = || NoSite::NoDebugInfo {
        function: known.clone(),
    };
    let mut parts = location.rsplitn(3, ':');
    let column = parts
        .next()
        .and_then(|c| c.trim().parse().ok())
        .ok_or_else(unknown)?;
    let line: u32 = parts
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(unknown)?;
    let file = parts.next().ok_or_else(unknown)?;
    if file == "??" {
        return Err(unknown());
    }
    if line == 0 {
        return Err(NoSite::LineZero {
            function: function.to_string(),
            file: file.to_string(),
        });
    }
    Ok(Frame {
        function: function.to_string(),
        file: file.to_string(),
        line,
        column,
    })
}

/// A loadable segment: file range and where it is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub offset: u64,
    pub filesz: u64,
    pub vaddr: u64,
}

/// The `PT_LOAD` segments of a 64-bit little-endian ELF file.
pub fn load_segments(path: &Path) -> Result<Vec<Segment>, SymbolizeError> {
    let io = |error| SymbolizeError::Object {
        path: path.to_path_buf(),
        error,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut ehdr = [0u8; 64];
    f.read_exact(&mut ehdr)
        .map_err(|_| SymbolizeError::NotElf {
            path: path.to_path_buf(),
        })?;
    if &ehdr[..4] != b"\x7fELF" || ehdr[4] != 2 || ehdr[5] != 1 {
        return Err(SymbolizeError::NotElf {
            path: path.to_path_buf(),
        });
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as u64;
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let u64_at = |b: &[u8], o: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[o..o + 8]);
        u64::from_le_bytes(a)
    };
    let phoff = u64_at(&ehdr, 32);
    let phentsize = u16_at(&ehdr, 54);
    let phnum = u16_at(&ehdr, 56);
    if phentsize < 56 || phnum > 4096 {
        return Err(SymbolizeError::NotElf {
            path: path.to_path_buf(),
        });
    }
    let mut table = vec![0u8; (phentsize * phnum) as usize];
    f.seek(SeekFrom::Start(phoff)).map_err(io)?;
    f.read_exact(&mut table).map_err(io)?;
    let mut segments = Vec::new();
    for ph in table.chunks(phentsize as usize) {
        if u32_at(ph, 0) == 1 {
            segments.push(Segment {
                offset: u64_at(ph, 8),
                vaddr: u64_at(ph, 16),
                filesz: u64_at(ph, 32),
            });
        }
    }
    Ok(segments)
}

/// Maps a file offset to the virtual address it is loaded at.
pub fn file_offset_to_vaddr(segments: &[Segment], offset: u64) -> Option<u64> {
    segments
        .iter()
        .find(|s| offset >= s.offset && offset < s.offset + s.filesz)
        .map(|s| offset - s.offset + s.vaddr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_with_inlining() {
        let out =
            "helper\n/src/a.c:10:5\nmain\n/src/a.c:30:3\n\n??\n??:0:0\n\nmain\n/src/a.c:40:12\n\n\
                   _start\n??:0:0\n\nmain\n/src/a.c:0:0\n\n";
        let sites = parse_output(out);
        assert_eq!(sites.len(), 5);
        let s = sites[0].as_ref().unwrap();
        assert_eq!(
            (s.function.as_str(), s.file.as_str(), s.line, s.column),
            ("helper", "/src/a.c", 10, 5)
        );
        assert_eq!(
            s.inlined_at,
            vec![Frame {
                function: "main".into(),
                file: "/src/a.c".into(),
                line: 30,
                column: 3
            }]
        );
        assert_eq!(sites[1], Err(NoSite::NoDebugInfo { function: None }));
        assert_eq!(sites[2].as_ref().unwrap().line, 40);
        assert_eq!(
            sites[3],
            Err(NoSite::NoDebugInfo {
                function: Some("_start".into())
            })
        );
        assert_eq!(
            sites[4],
            Err(NoSite::LineZero {
                function: "main".into(),
                file: "/src/a.c".into()
            })
        );
    }

    #[test]
    fn offsets_map_through_segments() {
        let segs = [
            Segment {
                offset: 0,
                filesz: 0x6c0,
                vaddr: 0,
            },
            Segment {
                offset: 0x6c0,
                filesz: 0x200,
                vaddr: 0x16c0,
            },
        ];
        assert_eq!(file_offset_to_vaddr(&segs, 0x6d0), Some(0x16d0));
        assert_eq!(file_offset_to_vaddr(&segs, 0x10), Some(0x10));
        assert_eq!(file_offset_to_vaddr(&segs, 0x9000), None);
    }

    #[test]
    fn not_elf_is_an_error() {
        let e = load_segments(Path::new("/proc/self/status")).unwrap_err();
        assert!(matches!(e, SymbolizeError::NotElf { .. }), "{e}");
        assert!(matches!(
            load_segments(Path::new("/no/such/file")),
            Err(SymbolizeError::Object { .. })
        ));
    }
}

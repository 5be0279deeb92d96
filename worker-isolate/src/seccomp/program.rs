//! The deny list as one compact classic-BPF program.
//!
//! seccompiler compares the system call number against each listed one in
//! turn, so every allowed call walks the whole list (391 instructions for 61
//! entries). That costs little per call, but installing a filter makes the
//! kernel run it for every system call number to find the ones it may cache
//! as always allowed: 0.19 ms per sandbox here, on the start path and 3.6 % of
//! all CPU in a throughput run. This program finds the number by binary search
//! (about 7 comparisons instead of 60) and folds the two small filters (clone3,
//! x32) into the same program, so one filter is installed instead of three.
//!
//! Layout: the architecture check, the x32 check, the search over the sorted
//! listed numbers (leaves answer at once, or jump to a check of arguments),
//! then the argument checks.

use seccompiler::{BpfProgram, sock_filter};

/// What a listed system call gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Always this errno.
    Errno(i32),
    /// Denied (`EPERM`) when any of these bits of the first argument's low
    /// 32 bits is set (clone's namespace flags).
    ErrnoIfArg0Has(u32),
    /// Denied (`EPERM`) when the second argument's low 32 bits are one of these
    /// (ioctl requests).
    ErrnoIfArg1LowIs(&'static [u32]),
    /// Denied (`EPERM`) unless the first argument, all 64 bits, is one of
    /// these (personality values).
    ErrnoUnlessArg0Is(&'static [u32]),
}

/// The architecture this program is for, as `seccomp_data.arch` says it.
#[cfg(target_arch = "x86_64")]
pub(super) const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
pub(super) const AUDIT_ARCH: u32 = 0xC000_00B7;
#[cfg(target_arch = "riscv64")]
pub(super) const AUDIT_ARCH: u32 = 0xC000_00F3;

/// x86-64's x32 system calls have this bit set in their number.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const JSET_K: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// `seccomp_data` offsets: the number, the architecture, and the halves of
/// argument `n`.
const NR: u32 = 0;
const ARCH: u32 = 4;
const fn arg_low(n: u32) -> u32 {
    if cfg!(target_endian = "little") {
        16 + 8 * n
    } else {
        20 + 8 * n
    }
}
const fn arg_high(n: u32) -> u32 {
    if cfg!(target_endian = "little") {
        20 + 8 * n
    } else {
        16 + 8 * n
    }
}

/// Leaves of the search hold at most this many numbers, compared in turn.
const LEAF: usize = 4;

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn allow() -> sock_filter {
    stmt(RET_K, libc::SECCOMP_RET_ALLOW)
}

fn errno(errno: i32) -> sock_filter {
    stmt(
        RET_K,
        libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA),
    )
}

/// The program could not be laid out (a jump too long for classic BPF): a
/// bug in the list's shape, caught by the tests.
#[derive(Debug, thiserror::Error)]
#[error("the seccomp program cannot be laid out: a jump of {0} instructions is too long")]
pub(super) struct TooLong(usize);

/// An instruction, or a jump to argument check `n` still to be placed.
enum Slot {
    Ready(sock_filter),
    ToCheck(usize),
}

fn short(offset: usize) -> Result<u8, TooLong> {
    u8::try_from(offset).map_err(|_| TooLong(offset))
}

/// The search over `entries` (sorted by number, the number in the
/// accumulator), ending in `RET ALLOW` for numbers not listed.
fn search(
    entries: &[(u32, Verdict)],
    checks: &mut Vec<Verdict>,
    out: &mut Vec<Slot>,
) -> Result<(), TooLong> {
    if entries.len() > LEAF {
        let middle = entries.len() / 2;
        let mut left = Vec::new();
        search(&entries[..middle], checks, &mut left)?;
        // Numbers from the middle one up go right, past the left half.
        out.push(Slot::Ready(jump(
            JGE_K,
            entries[middle].0,
            short(left.len())?,
            0,
        )));
        out.extend(left);
        return search(&entries[middle..], checks, out);
    }
    // A leaf: compare in turn; each match jumps to its answer, placed after
    // the `RET ALLOW` that ends the comparisons.
    let count = entries.len();
    for (index, _) in entries.iter().enumerate() {
        // From comparison `index` to answer `index`: the comparisons left,
        // the RET ALLOW, and the answers before this one.
        let offset = (count - index - 1) + 1 + index;
        out.push(Slot::Ready(jump(
            JEQ_K,
            entries[index].0,
            short(offset)?,
            0,
        )));
    }
    out.push(Slot::Ready(allow()));
    for &(_, verdict) in entries {
        out.push(match verdict {
            Verdict::Errno(value) => Slot::Ready(errno(value)),
            other => {
                checks.push(other);
                Slot::ToCheck(checks.len() - 1)
            }
        });
    }
    Ok(())
}

/// The instructions of one argument check (the arguments are loaded by it).
fn check(verdict: Verdict) -> Result<Vec<sock_filter>, TooLong> {
    let eperm = errno(libc::EPERM);
    Ok(match verdict {
        Verdict::Errno(value) => vec![errno(value)],
        Verdict::ErrnoIfArg0Has(bits) => vec![
            stmt(LD_W_ABS, arg_low(0)),
            jump(JSET_K, bits, 0, 1),
            eperm,
            allow(),
        ],
        Verdict::ErrnoIfArg1LowIs(values) => {
            let mut code = vec![stmt(LD_W_ABS, arg_low(1))];
            for (index, &value) in values.iter().enumerate() {
                // To the RET EPERM after the last comparison and the RET ALLOW.
                let offset = (values.len() - index - 1) + 1;
                code.push(jump(JEQ_K, value, short(offset)?, 0));
            }
            code.extend([allow(), eperm]);
            code
        }
        Verdict::ErrnoUnlessArg0Is(values) => {
            // High half zero, then the low half one of `values`.
            let mut code = vec![
                stmt(LD_W_ABS, arg_high(0)),
                jump(JEQ_K, 0, 0, short(1 + values.len())?),
                stmt(LD_W_ABS, arg_low(0)),
            ];
            for (index, &value) in values.iter().enumerate() {
                // Past the later comparisons and the RET EPERM, to RET ALLOW.
                let offset = (values.len() - index - 1) + 1;
                code.push(jump(JEQ_K, value, short(offset)?, 0));
            }
            code.extend([eperm, allow()]);
            code
        }
    })
}

/// The whole program for `entries` (any order; numbers unique).
pub(super) fn build(entries: &[(i64, Verdict)]) -> Result<BpfProgram, TooLong> {
    let mut sorted: Vec<(u32, Verdict)> = entries
        .iter()
        .map(|&(number, verdict)| (number as u32, verdict))
        .collect();
    sorted.sort_by_key(|&(number, _)| number);

    let mut head = vec![
        stmt(LD_W_ABS, ARCH),
        jump(JEQ_K, AUDIT_ARCH, 1, 0),
        // Another architecture's numbers mean other calls: the process is
        // killed, as by seccompiler's filters before.
        stmt(RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(LD_W_ABS, NR),
    ];
    #[cfg(target_arch = "x86_64")]
    head.extend([
        // The list is in x86-64 numbers: x32 calls get ENOSYS.
        jump(JGE_K, X32_SYSCALL_BIT, 0, 1),
        errno(libc::ENOSYS),
    ]);

    let mut checks = Vec::new();
    let mut body = Vec::new();
    search(&sorted, &mut checks, &mut body)?;

    let mut program: Vec<sock_filter> = head;
    let body_start = program.len();
    let mut check_code = Vec::new();
    let mut check_starts = Vec::new();
    for &verdict in &checks {
        check_starts.push(check_code.len());
        check_code.extend(check(verdict)?);
    }
    let checks_start = body_start + body.len();
    for (index, slot) in body.into_iter().enumerate() {
        program.push(match slot {
            Slot::Ready(instruction) => instruction,
            Slot::ToCheck(check) => {
                let here = body_start + index;
                let target = checks_start + check_starts[check];
                stmt(JA, (target - here - 1) as u32)
            }
        });
    }
    program.extend(check_code);
    Ok(program)
}

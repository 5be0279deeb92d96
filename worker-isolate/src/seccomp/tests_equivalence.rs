//! The compact program answers exactly as the three seccompiler filters it
//! replaced, checked by running both through a classic-BPF interpreter for
//! every system call number and the arguments the conditions look at.

use super::*;
use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};
use std::collections::BTreeMap;

fn condition(
    arg: u8,
    op: SeccompCmpOp,
    value: u64,
) -> Result<SeccompCondition, seccompiler::BackendError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
}

/// Every rule of the deny list, by system call number.
fn deny_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, seccompiler::BackendError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = always_denied()
        .into_iter()
        .map(|(_, number)| (number, Vec::new()))
        .collect();
    // clone(flags, ...) with any namespace flag: one rule per flag (rules are ORed).
    let clone_rules = NAMESPACE_FLAGS
        .iter()
        .map(|&(flag, _)| SeccompRule::new(vec![condition(0, SeccompCmpOp::MaskedEq(flag), flag)?]))
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_clone, clone_rules);
    // ioctl(fd, TIOCSTI) pushes input into a terminal; TIOCLINUX too on consoles.
    let ioctl_rules = [libc::TIOCSTI, 0x541C /* TIOCLINUX */]
        .into_iter()
        .map(|request| {
            SeccompRule::new(vec![SeccompCondition::new(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                request,
            )?])
        })
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_ioctl, ioctl_rules);
    // personality: only querying and the plain Linux personalities, so that
    // READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE cannot weaken the job's memory layout.
    rules.insert(
        libc::SYS_personality,
        vec![SeccompRule::new(vec![
            condition(0, SeccompCmpOp::Ne, 0)?,
            condition(0, SeccompCmpOp::Ne, 0x0008)?,
            condition(0, SeccompCmpOp::Ne, 0x0002_0000)?,
            condition(0, SeccompCmpOp::Ne, 0x0002_0008)?,
            condition(0, SeccompCmpOp::Ne, 0xffff_ffff)?,
        ])?],
    );
    Ok(rules)
}

fn target_arch() -> Result<TargetArch, seccompiler::BackendError> {
    TargetArch::try_from(std::env::consts::ARCH)
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    errno: i32,
) -> Result<BpfProgram, seccompiler::Error> {
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        target_arch()?,
    )?;
    Ok(filter.try_into()?)
}

/// The three programs seccompiler makes of the same list, in the order they
/// were installed before the compact program replaced them.
fn reference_programs() -> Result<Vec<BpfProgram>, seccompiler::Error> {
    let mut programs = vec![
        compile(deny_rules()?, libc::EPERM)?,
        compile(
            BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
            libc::ENOSYS,
        )?,
    ];
    #[cfg(target_arch = "x86_64")]
    programs.push(x32_guard());
    Ok(programs)
}

/// A hand-written program: on x86-64, any system call number with the x32
/// bit set gets `ENOSYS`; anything else is allowed (and left to the others).
#[cfg(target_arch = "x86_64")]
fn x32_guard() -> BpfProgram {
    use seccompiler::sock_filter;
    const AUDIT_ARCH_X86_64: u32 = 62 | 0x8000_0000 | 0x4000_0000;
    const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    let stmt = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |code: u32, k: u32, jt: u8, jf: u8| sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    let (ld_abs, jeq_k, jge_k, ret_k) = (
        libc::BPF_LD | libc::BPF_W | libc::BPF_ABS,
        libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
        libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K,
        libc::BPF_RET | libc::BPF_K,
    );
    vec![
        // seccomp_data: nr at offset 0, arch at offset 4.
        stmt(ld_abs, 4),
        jump(jeq_k, AUDIT_ARCH_X86_64, 0, 2),
        stmt(ld_abs, 0),
        jump(jge_k, X32_SYSCALL_BIT, 1, 0),
        stmt(ret_k, libc::SECCOMP_RET_ALLOW),
        stmt(
            ret_k,
            libc::SECCOMP_RET_ERRNO | (libc::ENOSYS as u32 & libc::SECCOMP_RET_DATA),
        ),
    ]
}

/// `struct seccomp_data`, as the filter sees it.
struct Data {
    nr: u32,
    arch: u32,
    args: [u64; 6],
}

impl Data {
    fn word(&self, offset: u32) -> u32 {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend(self.nr.to_ne_bytes());
        bytes.extend(self.arch.to_ne_bytes());
        bytes.extend(0u64.to_ne_bytes());
        for arg in self.args {
            bytes.extend(arg.to_ne_bytes());
        }
        let at = offset as usize;
        u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
    }
}

/// Runs a classic-BPF program (the instructions seccomp filters use) on `data`.
fn run(program: &[seccompiler::sock_filter], data: &Data) -> u32 {
    let (mut a, mut x, mut memory) = (0u32, 0u32, [0u32; 16]);
    let mut pc = 0usize;
    loop {
        let insn = &program[pc];
        let code = u32::from(insn.code);
        pc += 1;
        let operand = |x: u32| match code & 0x08 {
            libc::BPF_X => x,
            _ => insn.k,
        };
        match code & 0x07 {
            libc::BPF_LD => match code & 0xe0 {
                libc::BPF_ABS => a = data.word(insn.k),
                libc::BPF_IMM => a = insn.k,
                libc::BPF_MEM => a = memory[insn.k as usize],
                other => panic!("unknown load mode {other:#x}"),
            },
            libc::BPF_LDX => match code & 0xe0 {
                libc::BPF_IMM => x = insn.k,
                libc::BPF_MEM => x = memory[insn.k as usize],
                other => panic!("unknown ldx mode {other:#x}"),
            },
            libc::BPF_ST => memory[insn.k as usize] = a,
            libc::BPF_STX => memory[insn.k as usize] = x,
            libc::BPF_ALU => {
                let value = operand(x);
                a = match code & 0xf0 {
                    libc::BPF_ADD => a.wrapping_add(value),
                    libc::BPF_SUB => a.wrapping_sub(value),
                    libc::BPF_AND => a & value,
                    libc::BPF_OR => a | value,
                    libc::BPF_RSH => a >> value,
                    libc::BPF_LSH => a << value,
                    other => panic!("unknown alu op {other:#x}"),
                }
            }
            libc::BPF_JMP => {
                let value = operand(x);
                let taken = match code & 0xf0 {
                    libc::BPF_JA => {
                        pc += insn.k as usize;
                        continue;
                    }
                    libc::BPF_JEQ => a == value,
                    libc::BPF_JGT => a > value,
                    libc::BPF_JGE => a >= value,
                    libc::BPF_JSET => a & value != 0,
                    other => panic!("unknown jump {other:#x}"),
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
            }
            libc::BPF_RET => return insn.k,
            libc::BPF_MISC => match code & 0xf8 {
                libc::BPF_TAX => x = a,
                libc::BPF_TXA => a = x,
                other => panic!("unknown misc op {other:#x}"),
            },
            other => panic!("unknown class {other:#x}"),
        }
    }
}

/// What the kernel answers for filters installed in this order: the most
/// restrictive action wins, the latest filter among equals.
fn answer(programs: &[BpfProgram], data: &Data) -> u32 {
    let action = |ret: u32| (ret & libc::SECCOMP_RET_ACTION_FULL) as i32;
    let mut best = libc::SECCOMP_RET_ALLOW;
    for program in programs.iter().rev() {
        let ret = run(program, data);
        if action(ret) < action(best) {
            best = ret;
        }
    }
    best
}

#[test]
fn one_compact_filter_answers_as_the_three_it_replaced() {
    let reference = reference_programs().expect("seccompiler compiles the list");
    let compact = [program().expect("the compact program lays out")];
    let (old_len, new_len): (usize, usize) =
        (reference.iter().map(Vec::len).sum(), compact[0].len());
    eprintln!("instructions: {old_len} in three filters before, {new_len} in one now");

    let mut numbers: Vec<u32> = (0..=600).collect();
    #[cfg(target_arch = "x86_64")]
    numbers.extend((0..=600).map(|nr| 0x4000_0000 | nr));
    numbers.extend([0x3fff_ffff, 0x7fff_ffff, 0xffff_fffe, u32::MAX]);

    let mut argument_sets: Vec<[u64; 6]> = vec![[0; 6], [u64::MAX; 6]];
    let interesting_first: Vec<u64> = NAMESPACE_FLAGS
        .iter()
        .map(|&(flag, _)| flag)
        .chain([
            (libc::CLONE_VM | libc::CLONE_FS | libc::SIGCHLD) as u64,
            1 << 32,
            0x8,
            0x2_0000,
            0x2_0008,
            0xffff_ffff,
            0x1_0000_0000,
            0x1_0000_0008,
            0x40_0000, // ADDR_NO_RANDOMIZE
            0x40_0000 | 0x8,
            0x0400_0000, // READ_IMPLIES_EXEC
        ])
        .collect();
    for first in interesting_first {
        argument_sets.push([first, 0, 0, 0, 0, 0]);
    }
    for second in [
        libc::TIOCSTI,
        0x541C,
        0x5401,
        (1 << 32) | libc::TIOCSTI,
        (1 << 32) | 0x541C,
    ] {
        argument_sets.push([3, second, 0, 0, 0, 0]);
    }

    let arches = [
        program::AUDIT_ARCH,
        0x4000_0003, /* i386 */
        0xC000_00B7,
        0,
    ];
    let mut compared = 0usize;
    for &arch in &arches {
        for &nr in &numbers {
            for args in &argument_sets {
                let data = Data {
                    nr,
                    arch,
                    args: *args,
                };
                let (old, new) = (answer(&reference, &data), answer(&compact, &data));
                assert_eq!(
                    old, new,
                    "arch {arch:#x} nr {nr:#x} args {args:x?}: {old:#x} before, {new:#x} now"
                );
                compared += 1;
            }
        }
    }
    eprintln!("{compared} calls answered alike");
}

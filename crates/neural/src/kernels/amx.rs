//! AMX (Advanced Matrix Extensions) bf16 tiles, through `asm!` (Rust's AMX intrinsics are
//! not stable): the Linux permission request, the tile configuration, and one 32 × 32
//! block of a product on four accumulator tiles.
//!
//! Tiles: `tmm0..tmm3` accumulate a 32 × 32 f32 block (2 × 2 tiles of 16 × 16), `tmm4`,
//! `tmm5` hold 16 rows × 32 bf16 of the left operand, `tmm6`, `tmm7` 16 pair-rows × 16
//! columns of the packed right operand (see [`super::bf16::PackedB`]). Every tile is 16
//! rows × 64 bytes. Nothing else in the process uses the tile registers, so the
//! configuration [`configure`] loads stays in force between `asm!` blocks of a thread.

/// Asks Linux for the AMX tile-data state (`arch_prctl(ARCH_REQ_XCOMP_PERM,
/// XFEATURE_XTILEDATA)`); whether it was granted. Once per process, before any tile use.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn request_permission() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // SAFETY: a plain system call with integer arguments; it changes only which extended
    // register state this process may use.
    unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 }
}

/// Elsewhere AMX is not used.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
pub(crate) fn request_permission() -> bool {
    false
}

/// The tile configuration: palette 1, eight tiles of 16 rows × 64 bytes.
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

const CONFIG: TileConfig = {
    let mut c = [0u8; 64];
    c[0] = 1;
    let mut t = 0;
    while t < 8 {
        c[16 + 2 * t] = 64; // bytes per row (little-endian u16)
        c[48 + t] = 16; // rows
        t += 1;
    }
    TileConfig(c)
};

/// Loads the tile configuration on this thread.
///
/// # Safety
/// The CPU has AMX-TILE and the process was granted tile data ([`request_permission`]).
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn configure() {
    // SAFETY: the caller guarantees AMX; the configuration is 64 valid bytes.
    unsafe {
        std::arch::asm!("ldtilecfg [{cfg}]", cfg = in(reg) CONFIG.0.as_ptr(), options(nostack));
    }
}

/// Returns the tiles to their initial state on this thread (so the kernel need not save
/// them on a context switch).
///
/// # Safety
/// As [`configure`].
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn release() {
    // SAFETY: the caller guarantees AMX.
    unsafe { std::arch::asm!("tilerelease", options(nostack, nomem)) }
}

/// The tile loop both products share: `$op` (`tdpbf16ps` or `tdpbssd`) accumulates
/// `a` · `b` into `tmm0..tmm3` over `$steps` steps (the two left tiles `$as` bytes a row
/// apart, advanced 64 bytes a step; the two right panels 1,024 bytes a step), then the
/// four tiles are stored to `$c`, rows `$cs` bytes apart.
macro_rules! tile_loop {
    ($op:literal, ($a:expr, $as:expr), ($b0:expr, $b1:expr), $steps:expr, ($c:expr, $cs:expr)) => {
        std::arch::asm!(
            "2:",
            "tileloadd tmm4, [{a0} + {as}*1]",
            "tileloadd tmm6, [{b0} + {bs}*1]",
            concat!($op, " tmm0, tmm4, tmm6"),
            "tileloadd tmm7, [{b1} + {bs}*1]",
            concat!($op, " tmm1, tmm4, tmm7"),
            "tileloadd tmm5, [{a1} + {as}*1]",
            concat!($op, " tmm2, tmm5, tmm6"),
            concat!($op, " tmm3, tmm5, tmm7"),
            "add {a0}, 64",
            "add {a1}, 64",
            "add {b0}, 1024",
            "add {b1}, 1024",
            "dec {k}",
            "jnz 2b",
            "tilestored [{c0} + {cs}*1], tmm0",
            "tilestored [{c1} + {cs}*1], tmm1",
            "tilestored [{c2} + {cs}*1], tmm2",
            "tilestored [{c3} + {cs}*1], tmm3",
            a0 = inout(reg) $a => _,
            a1 = inout(reg) $a.byte_add(16 * $as) => _,
            b0 = inout(reg) $b0 => _,
            b1 = inout(reg) $b1 => _,
            k = inout(reg) $steps => _,
            as = in(reg) $as,
            bs = in(reg) 64usize,
            c0 = in(reg) $c,
            c1 = in(reg) $c.byte_add(64),
            c2 = in(reg) $c.byte_add(16 * $cs),
            c3 = in(reg) $c.byte_add(16 * $cs + 64),
            cs = in(reg) $cs,
            options(nostack),
        )
    };
}

/// `c` (32 × 32 f32, rows `c_stride` bytes apart) = `init` + `a` · `b` over `steps`
/// steps of 32: `a` is 32 rows of bf16, `a_stride` bytes apart, read `64 · steps` bytes
/// per row; `b0`, `b1` are two packed column panels (16 columns each), read `1024 · steps`
/// bytes each. `init` is 32 × 32 f32 rows `init.1` bytes apart (stride 0 repeats one row:
/// a bias), or zeros.
///
/// # Safety
/// [`configure`] ran on this thread; every byte described above is readable and `c`'s
/// 32 rows of 128 bytes writable; `steps ≥ 1`.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn block(
    (a, a_stride): (*const u16, usize),
    (b0, b1): (*const u16, *const u16),
    steps: usize,
    init: Option<(*const f32, usize)>,
    (c, c_stride): (*mut f32, usize),
) {
    debug_assert!(steps >= 1);
    // SAFETY: the caller guarantees the reads and writes; the pointers advance by exactly
    // the bytes described, `steps` times.
    unsafe {
        match init {
            Some((p, stride)) => std::arch::asm!(
                "tileloadd tmm0, [{c0} + {cs}*1]",
                "tileloadd tmm1, [{c1} + {cs}*1]",
                "tileloadd tmm2, [{c2} + {cs}*1]",
                "tileloadd tmm3, [{c3} + {cs}*1]",
                c0 = in(reg) p,
                c1 = in(reg) p.byte_add(64),
                c2 = in(reg) p.byte_add(16 * stride),
                c3 = in(reg) p.byte_add(16 * stride + 64),
                cs = in(reg) stride,
                options(nostack, readonly),
            ),
            None => std::arch::asm!(
                "tilezero tmm0",
                "tilezero tmm1",
                "tilezero tmm2",
                "tilezero tmm3",
                options(nostack, nomem)
            ),
        }
        tile_loop!("tdpbf16ps", (a, a_stride), (b0, b1), steps, (c, c_stride));
    }
}

/// `c` (32 × 32 i32, rows `c_stride` bytes apart) = `a` · `b` in signed int8 over `steps`
/// steps of 64 depths (`tdpbssd`): `a` is 32 rows of i8, `a_stride` bytes apart, read
/// `64 · steps` bytes per row; `b0`, `b1` are two packed column panels (16 columns of four
/// consecutive depths, 64 bytes a quad-row), read `1024 · steps` bytes each.
///
/// # Safety
/// [`configure`] ran on this thread; every byte described above is readable and `c`'s 32
/// rows of 128 bytes writable; `steps ≥ 1`.
#[cfg(target_arch = "x86_64")]
pub(crate) unsafe fn block_i8(
    (a, a_stride): (*const i8, usize),
    (b0, b1): (*const i8, *const i8),
    steps: usize,
    (c, c_stride): (*mut i32, usize),
) {
    debug_assert!(steps >= 1);
    // SAFETY: the caller guarantees the reads and writes; the pointers advance by exactly
    // the bytes described, `steps` times.
    unsafe {
        std::arch::asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            options(nostack, nomem)
        );
        tile_loop!("tdpbssd", (a, a_stride), (b0, b1), steps, (c, c_stride));
    }
}

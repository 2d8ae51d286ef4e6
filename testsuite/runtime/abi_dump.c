/*
 * Prints every size, offset and constant of the multi-call ABI as "name value" lines, as the
 * C compiler sees them through runtime/include/multicall.h (which includes the uapi header).
 * runtime/tests/abi.rs compares them with the Rust mirror.
 */
#include <stddef.h>
#include <stdio.h>
#include <asm/unistd.h>
#include <multicall.h>

#define SIZE(t) printf("sizeof_%s %zu\nalignof_%s %zu\n", #t, sizeof(struct t), #t, _Alignof(struct t))
#define OFF(t, f) printf("offsetof_%s_%s %zu\n", #t, #f, offsetof(struct t, f))
#define CONST(c) printf("%s %llu\n", #c, (unsigned long long)(c))

int main(void)
{
	SIZE(mc_entry);
	OFF(mc_entry, nr);
	OFF(mc_entry, stop);
	OFF(mc_entry, stop_arg);
	OFF(mc_entry, refs);
	OFF(mc_entry, args);
	OFF(mc_entry, result);
	SIZE(mc_batch);
	OFF(mc_batch, entries);
	OFF(mc_batch, count);
	OFF(mc_batch, flags);
	OFF(mc_batch, max_iters);
	OFF(mc_batch, iterations);
	OFF(mc_batch, stop_index);
	OFF(mc_batch, resume);
	OFF(mc_batch, watch_mode);
	OFF(mc_batch, sums);
	OFF(mc_batch, advances);
	OFF(mc_batch, watch);
	OFF(mc_batch, watches);
	OFF(mc_batch, nwatches);
	OFF(mc_batch, reserved);
	SIZE(mc_watch);
	OFF(mc_watch, addr);
	OFF(mc_watch, mode);
	OFF(mc_watch, after);
	SIZE(mc_advance);
	OFF(mc_advance, by);
	OFF(mc_advance, down);
	OFF(mc_advance, until_zero);
	OFF(mc_advance, until_nonpos);
	OFF(mc_advance, reserved);
	CONST(MC_MAX_ENTRIES);
	CONST(MC_MAX_ARGS);
	CONST(MC_STOP_NEVER);
	CONST(MC_STOP_NEG);
	CONST(MC_STOP_NONPOS);
	CONST(MC_STOP_NE_ARG);
	CONST(MC_STOP_MAX);
	CONST(MC_BATCH_LOOP);
	CONST(MC_BATCH_FLAGS);
	CONST(MC_BATCH_DEAD_BUFFERS);
	CONST(MC_BATCH_LIVE_AT_STOP);
	CONST(MC_BATCH_SUMS);
	CONST(MC_BATCH_ADVANCE);
	CONST(MC_BATCH_SIZE_VER0);
	CONST(MC_IOC_RUN_VER0);
	CONST(MC_BATCH_SIZE_VER1);
	CONST(MC_IOC_RUN_VER1);
	CONST(MC_BATCH_SIZE_VER2);
	CONST(MC_IOC_RUN_VER2);
	CONST(MC_BATCH_WATCHES);
	CONST(MC_MAX_WATCHES);
	CONST(MC_BATCH_WATCH);
	CONST(MC_WATCH_SIZE);
	CONST(MC_WATCH_ZERO);
	CONST(MC_WATCH_MODES);
	CONST(MC_IOC_MAGIC);
	CONST(MC_IOC_RUN);
	CONST(MC_MAX_ERRNO);
#define NEVER_RUN(name) printf("never_run_%s %d\n", #name, __NR_##name);
	MC_FOR_EACH_NEVER_RUN(NEVER_RUN)
	printf("MC_DEVICE_NAME %s\nMC_DEVICE_PATH %s\n", MC_DEVICE_NAME, MC_DEVICE_PATH);
	printf("sizeof_field_mc_entry_args %zu\n", sizeof(((struct mc_entry *)0)->args));
	printf("sizeof_field_mc_batch_resume %zu\n", sizeof(((struct mc_batch *)0)->resume));
	printf("sizeof_field_mc_batch_watch_mode %zu\n", sizeof(((struct mc_batch *)0)->watch_mode));
	return 0;
}

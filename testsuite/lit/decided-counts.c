// Counts that a stronger stop decides (legality/resume.rs `decided`, pass.md 3d): a copy in
// dd's manner counts full and partial records by comparing each result with the record
// size, which clang leaves as `zext` of the comparisons on the way round. With the read
// and the write stopping where their gaps say (r <= 0, r < 0), those steps are no counter
// and no total: refused. Stopping both on anything but a whole record (each stop resumes
// the original loop after its call, which counts that record itself), every iteration the
// batch completes read and wrote 4096 bytes: the steps are 1, 0, 1, 0 and 4096, the
// batch carries five counters, and a stop at the write hands back the comparison of the
// read's result made before it (4096 != 4096: false). @copy_sum keeps a checksum of the
// bytes read instead, which no stop decides: refused as before.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: remark: {{.*}}decided-counts.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter)
// Steps that are arithmetic of a pinned result (`n * 2`, `n >> 1`, `n / 512`, `n % 512`):
// constants in every iteration the batch completes (8192, 2048, 8, 0).
// REMARK-DAG: remark: {{.*}}decided-counts.c:[[#UNITS:]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter)
// REMARK-DAG: remark: {{.*}}decided-counts.c:{{[0-9]+}}:{{[0-9]+}}: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %{{[0-9a-z.]+}}: its step '%{{[0-9]+}} = zext i8 {{.*}}' is neither defined before the loop nor a call's result

// CHECK-LABEL: define {{.*}} @copy_records(
// CHECK: call i64 @multicall_loop(
// CHECK-LABEL: define {{.*}} @copy_records_bs(
// CHECK: call i64 @multicall_loop_sums(
// CHECK-LABEL: define {{.*}} @copy_records_any(
// CHECK: %mc.negarg = icmp slt i64 %2, 1
// CHECK-NEXT: %mc.loop.original = or i1 %mc.negarg,
// CHECK: call i64 @multicall_loop(
// CHECK-LABEL: define {{.*}} @copy_sum(
// CHECK-NOT: @multicall_loop
// CHECK: ret
// CHECK-LABEL: define {{.*}} @copy_units(
// CHECK: call i64 @multicall_loop(

#include <unistd.h>

#define BS 4096

struct records {
	unsigned long full_in, part_in, full_out, part_out;
	unsigned long long bytes;
};

int copy_records(int in, int out, struct records *rec)
{
	static char buf[BS];
	unsigned long full_in = 0, part_in = 0, full_out = 0, part_out = 0;
	unsigned long long bytes = 0;
	int status = 0;

	for (;;) {
		ssize_t r = read(in, buf, BS);
		ssize_t w;

		if (r <= 0) {
			status = r < 0;
			break;
		}
		if (r == BS)
			full_in++;
		else
			part_in++;
		w = write(out, buf, r);
		if (w < 0) {
			status = 1;
			break;
		}
		if (w == BS)
			full_out++;
		else
			part_out++;
		bytes += w;
		if (w != r) {
			status = 2;
			break;
		}
	}
	rec->full_in = full_in;
	rec->part_in = part_in;
	rec->full_out = full_out;
	rec->part_out = part_out;
	rec->bytes = bytes;
	return status;
}

// The record size a variable (an option, checked before the loop to be 1 to BS): a result
// pinned to it compares equal to it whatever it is (`r == bs`), and LazyValueInfo bounds it
// to at least 1, so the stronger stops apply as with a constant.
// REMARK-DAG: remark: {{.*}}decided-counts.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (total of read's results)
int copy_records_bs(int in, int out, size_t bs, struct records *rec)
{
	static char buf[BS];
	unsigned long full = 0, part = 0;
	unsigned long long bytes = 0;
	ssize_t r;

	if (bs == 0 || bs > BS)
		return -1;
	while ((r = read(in, buf, bs)) > 0) {
		if ((size_t)r == bs)
			full++;
		else
			part++;
		if (write(out, buf, r) != r)
			return -1;
		bytes += r;
	}
	rec->full_in = full;
	rec->part_in = part;
	rec->bytes = bytes;
	return r < 0 ? -1 : 0;
}

// The same with a record size that may be 0: a read of 0 bytes returns 0, which the
// stronger stop would not stop on while the loop ends there. The stop holds where the size
// is positive: the loop runs as a batch only then (`%mc.negarg`), else its original body.
// REMARK-DAG: remark: {{.*}}decided-counts.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, when it is positive, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter), %{{[0-9a-z.]+}} (counter);
int copy_records_any(int in, int out, size_t bs, struct records *rec)
{
	static char buf[BS];
	unsigned long full = 0, part = 0;
	ssize_t r;

	while ((r = read(in, buf, bs)) > 0) {
		if ((size_t)r == bs)
			full++;
		else
			part++;
		if (write(out, buf, r) != r)
			return -1;
	}
	rec->full_in = full;
	rec->part_in = part;
	return r < 0 ? -1 : 0;
}

int copy_sum(int in, int out, unsigned *sum)
{
	static char buf[BS];
	unsigned s = 0;
	ssize_t r;

	while ((r = read(in, buf, BS)) > 0) {
		s += (unsigned char)buf[0];
		if (write(out, buf, r) != r)
			return -1;
	}
	*sum = s;
	return r < 0 ? -1 : 0;
}

/* Units of the bytes copied: hex digits, halves, sectors and the bytes over the last one. */
int copy_units(int in, int out, long units[4])
{
	static char buf[BS];
	long hex = 0, halves = 0, sectors = 0, over = 0;
	int n;

	while ((n = read(in, buf, BS)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		hex += n * 2;
		halves += n >> 1;
		sectors += (unsigned)n / 512;
		over += (unsigned)n % 512;
	}
	units[0] = hex;
	units[1] = halves;
	units[2] = sectors;
	units[3] = over;
	return n < 0 ? -1 : 0;
}

package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The numeric kernels of the engine, forward and backward, over float32 data in
 * {@link MemorySegment}s.
 *
 * <p>Conventions, shared by every method:
 * <ul>
 *   <li>Every buffer is a pair {@code (segment, offset)}; offsets and strides count
 *       <em>floats</em>, not bytes. Sizes are in floats.</li>
 *   <li>Matrices are row-major with a leading dimension {@code ld >= cols}: element
 *       {@code (r, c)} is at {@code off + r * ld + c}.</li>
 *   <li>The NTM memory is <em>column-major</em>: cell {@code (row i, column j)} of an
 *       {@code n x m} memory is at {@code off + j * ld + i}, {@code ld >= n}. Each column is a
 *       contiguous run of rows, so similarity, reads and writes are fused multiply-adds over whole
 *       vectors of rows (see docs/ARCHITECTURE.md, "Data layout").</li>
 *   <li>Backward kernels <em>accumulate</em> ({@code +=}) into gradient buffers; forward kernels
 *       overwrite their outputs unless a parameter says otherwise.</li>
 *   <li>Output buffers may not overlap inputs unless the method says so.</li>
 *   <li>No method allocates on the heap.</li>
 *   <li>Segments should come from shared, automatic or global arenas, as every buffer of the
 *       engine does; not from confined ones. The kernels accept any segment, but C2 compiles them
 *       with the JDK's memory-access code inlined, whose branch profiles every caller shares; in
 *       a JVM where both kinds have been through the kernels, compiled kernels were seen to fail
 *       a profile-based loop predicate (deoptimisation reason {@code profile_predicate}), be
 *       recompiled and fail again, over and over. Measured here (PERFORMANCE.md, "One JVM"): a
 *       JVM that timed kernels on confined segments and then trained put {@code rmsprop} through
 *       43 such cycles in 24 seconds and trained at 240 sequences per second instead of 1,150.</li>
 * </ul>
 *
 * <p>The methods are grouped by concern in the interfaces this one extends:
 * {@link LinearAlgebraKernels}, {@link ElementwiseKernels}, {@link AddressingKernels},
 * {@link MemoryKernels} and {@link OptimizerKernels}.
 *
 * <p>{@link ScalarKernels} is the plain-loop reference; {@code SimdKernels} must equal it within
 * float rounding. {@link KernelProvider#get()} picks one implementation per JVM.
 */
public interface Kernels extends LinearAlgebraKernels, ElementwiseKernels, AddressingKernels, MemoryKernels,
        OptimizerKernels {

    /** Short name of the implementation: {@code "scalar"} or {@code "simd"}. */
    String name();

    /** Vector width in bits used by this implementation (32 for scalar). */
    int vectorBits();
}

package ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;

import ntm.kernels.KernelProvider;
import ntm.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** {@link NanoTimer} and {@link KernelTimings} with tiny budgets. */
class KernelTimingsTest {

    private static final NanoTimer TINY = new NanoTimer(1_000_000, 3, 1_000_000);

    @Test
    void timerSamplesAreNoShorterThanTheOperation() {
        double[] samples = TINY.time(() -> {
            long until = System.nanoTime() + 10_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        });
        assertEquals(3, samples.length);
        for (double s : samples) {
            // Each call spins at least 10 us; the mean per call cannot be lower.
            assertTrue(s >= 10_000, "sample " + s);
        }
        assertThrows(IllegalArgumentException.class, () -> new NanoTimer(0, 0, 1));
    }

    @Test
    void sameImplementationIsTimedOnce() {
        List<BenchReport.Figure> figs = KernelTimings.run(KernelProvider.scalar(), KernelProvider.scalar(), TINY);
        assertEquals(List.of("kernel.content.scalar", "kernel.gemv.gates.scalar", "kernel.eraseAdd.scalar"),
                figs.stream().map(BenchReport.Figure::name).toList());
        for (BenchReport.Figure f : figs) {
            assertTrue(f.value() > 0 && f.samples() == 3, f.toString());
        }
    }

    @Test
    void twoImplementationsGetASpeedup() {
        Kernels scalar = KernelProvider.scalar();
        // A second implementation under another name: the scalar one behind a proxy.
        Kernels other = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("name")) {
                        return "other";
                    }
                    try {
                        return method.invoke(scalar, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        List<BenchReport.Figure> figs = KernelTimings.run(scalar, other, TINY);
        assertEquals(9, figs.size());
        assertEquals(List.of("kernel.content.scalar", "kernel.content.other", "kernel.content.speedup",
                "kernel.gemv.gates.scalar", "kernel.gemv.gates.other", "kernel.gemv.gates.speedup",
                "kernel.eraseAdd.scalar", "kernel.eraseAdd.other", "kernel.eraseAdd.speedup"),
                figs.stream().map(BenchReport.Figure::name).toList());
        BenchReport.Figure speedup = figs.get(2);
        assertEquals("x", speedup.unit());
        assertTrue(!speedup.lowerIsBetter() && speedup.value() > 0, speedup.toString());
    }
}

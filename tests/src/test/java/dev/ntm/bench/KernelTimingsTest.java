package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** {@link NanoTimer} and {@link KernelTimings} with tiny budgets. */
class KernelTimingsTest {

    private static final NanoTimer TINY = new NanoTimer(1_000_000, 3, 1_000_000);

    @Test
    void timerSamplesAreNoShorterThanTheOperation() {
        double[] samples = TINY.measure(() -> {
            long until = System.nanoTime() + 10_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }).nsPerCall();
        assertEquals(3, samples.length);
        for (double s : samples) {
            // Each call spins at least 10 us; the mean per call cannot be lower.
            assertTrue(s >= 10_000, "sample " + s);
        }
        assertThrows(IllegalArgumentException.class, () -> new NanoTimer(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NanoTimer(10, 5, 1, 1));
    }

    /** Spins for {@code ns} nanoseconds. */
    private static void spin(long ns) {
        long until = System.nanoTime() + ns;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void warmUpWaitsForASlowStartToEnd() {
        // 50 us per call for the first 200 ms, then 5 us: like code waiting for the JIT. With a
        // minimum warm-up of 250 ms the timer must measure the fast phase: its samples cannot be
        // near 50 us (a 10x gap leaves ample room for a loaded machine).
        long[] first = {0};
        NanoTimer timer = new NanoTimer(250_000_000L, 5_000_000_000L, 3, 20_000_000L);
        NanoTimer.Timing t = timer.measure(() -> {
            long now = System.nanoTime();
            if (first[0] == 0) {
                first[0] = now;
            }
            spin(now - first[0] < 200_000_000L ? 50_000 : 5_000);
        });
        assertTrue(t.warmUp().nanos() >= 250_000_000L);
        assertTrue(t.warmUp().settled(), "a constant 5 us call must settle within 5 s");
        for (double s : t.nsPerCall()) {
            assertTrue(s >= 5_000 && s < 25_000, "sample " + s);
        }
    }

    @Test
    void warmUpReportsWhenItRanOutOfTime() {
        // Each call halves in cost every 20 ms window, from 1 ms down: it is still getting faster
        // when the 200 ms limit ends the warm-up.
        long[] first = {0};
        NanoTimer timer = new NanoTimer(0, 200_000_000L, 1, 20_000_000L);
        NanoTimer.WarmUp w = timer.warmUp(() -> {
            long now = System.nanoTime();
            if (first[0] == 0) {
                first[0] = now;
            }
            spin((long) Math.max(1_000, 1_000_000 * Math.pow(0.5, (now - first[0]) / 20e6)));
        });
        assertTrue(!w.settled(), "the warm-up claimed to settle while the call kept halving");
        assertTrue(w.unsettledNote("op").startsWith("op was still getting faster after"), w.unsettledNote("op"));
        assertEquals(null, new NanoTimer.WarmUp(true, 1, 1).unsettledNote("op"));
    }

    @Test
    void sameImplementationIsTimedOnce() {
        List<BenchReport.Figure> figs = KernelTimings.run(KernelProvider.scalar(), KernelProvider.scalar(), TINY,
                new ArrayList<>());
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
        List<BenchReport.Figure> figs = KernelTimings.run(scalar, other, TINY, new ArrayList<>());
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

import java.lang.management.ManagementFactory;
import dev.ntm.bench.Workloads;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.kernels.KernelProvider;

/**
 * Trainer.trainBatch throughput on the copy task with the recipe `ntm bench` uses (RMSProp at batch
 * 1, Adam at larger batches): wall-clock sequences/s and sequences per process-CPU-second after a
 * warm-up. Usage: TrainProbe BATCH THREADS WARMUP_S MEASURE_S. Run by compare-training.sh.
 */
public class TrainProbe {
    public static void main(String[] a) throws Exception {
        int batch = Integer.parseInt(a[0]);
        int threads = Integer.parseInt(a[1]);
        double warm = Double.parseDouble(a[2]);
        double meas = Double.parseDouble(a[3]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        TrainerOptions o = Workloads.recipe(batch).withThreads(threads).withSeed(1);
        try (Trainer t = new Trainer(NtmConfig.copyTask(), Tasks.byName("copy"), o, KernelProvider.get())) {
            long end = System.nanoTime() + (long) (warm * 1e9);
            while (System.nanoTime() < end) t.trainBatch();
            long n = 0;
            long w0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            end = w0 + (long) (meas * 1e9);
            while (System.nanoTime() < end) { t.trainBatch(); n += batch; }
            long w1 = System.nanoTime(), c1 = os.getProcessCpuTime();
            System.out.printf("batch %d threads %d chunks %d: %.0f seq/s wall, %.0f seq per CPU-s%n", batch, threads,
                    o.effectiveChunks(), n * 1e9 / (w1 - w0), n * 1e9 / (c1 - c0));
        }
    }
}

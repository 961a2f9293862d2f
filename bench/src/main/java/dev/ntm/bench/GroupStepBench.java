package dev.ntm.bench;

import java.util.concurrent.TimeUnit;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmGroupStepper;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.engine.util.SplitMix64;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the serving runner's engine step costs without the hand-off: 64 independent sessions of the
 * copy configuration advanced one step each, either {@code alone} (one {@link NtmSession#step}
 * after another, as a thread stepping its own sessions does) or in groups of {@code group}
 * sessions through an {@link NtmGroupStepper} (the runner's batches). The {@code sessionSteps}
 * counter ({@link MultiSessionBench.SessionSteps}) is session-steps per second, the figure to compare. Each session's input is fixed and
 * it is reset every 1,024 steps. Run with {@code ./ntm bench --jmh GroupStepBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 20, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class GroupStepBench {

    private static final int SESSIONS = 64;
    private static final int RESET_EVERY = 1024;

    /** Sessions per group step (a divisor of 64). */
    @Param({"1", "8", "64"})
    public int group;

    /** Whether the model keeps its controller weights in bfloat16. */
    @Param({"false"})
    public boolean compact;

    private NtmSession[] sessions;
    private NtmSession[][] groups;
    private NtmGroupStepper stepper;
    private float[][] inputs;
    private float[][] outputs;
    private int steps;

    /** Builds the model, the sessions, the groups and the inputs. */
    @Setup
    public void setup() {
        NtmConfig config = NtmConfig.copyTask();
        NtmModel model = NtmModel.create(config, 42);
        if (compact) {
            model = model.withCompactWeights();
        }
        sessions = new NtmSession[SESSIONS];
        inputs = new float[SESSIONS][config.inputSize()];
        outputs = new float[SESSIONS][config.outputSize()];
        SplitMix64 rng = new SplitMix64(42);
        for (int i = 0; i < SESSIONS; i++) {
            sessions[i] = model.newSession();
            for (int j = 0; j < config.inputSize(); j++) {
                inputs[i][j] = rng.nextDouble() < 0.5 ? 0f : 1f;
            }
        }
        groups = new NtmSession[SESSIONS / group][group];
        for (int i = 0; i < SESSIONS; i++) {
            groups[i / group][i % group] = sessions[i];
        }
        stepper = model.newGroupStepper(group);
    }

    /** One step of each session, one after another. */
    @Benchmark
    public float alone(MultiSessionBench.SessionSteps counter) {
        resetNowAndThen();
        for (int i = 0; i < SESSIONS; i++) {
            sessions[i].step(inputs[i], outputs[i]);
        }
        counter.sessionSteps += SESSIONS;
        return outputs[SESSIONS - 1][0];
    }

    /** One step of each session, {@code group} sessions per group step. */
    @Benchmark
    public float grouped(MultiSessionBench.SessionSteps counter) {
        resetNowAndThen();
        for (NtmSession[] g : groups) {
            stepper.step(g, group, inputs, outputs);
        }
        counter.sessionSteps += SESSIONS;
        return outputs[group - 1][0];
    }

    private void resetNowAndThen() {
        if (++steps == RESET_EVERY) {
            steps = 0;
            for (NtmSession s : sessions) {
                s.reset();
            }
        }
    }
}

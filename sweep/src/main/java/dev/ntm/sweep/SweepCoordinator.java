package dev.ntm.sweep;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.IMap;

/**
 * Runs a sweep's jobs on the members of its cluster: hands each member as many jobs as it has
 * slots, gathers the results, and runs a job again elsewhere when its member leaves or dies
 * before answering (after looking in the results map, where the member put its result before
 * answering). Members may join at any time and get work at once.
 */
public final class SweepCoordinator {

    /** Attempts of one job before it is given up (a member leaving mid-job costs one). */
    static final int MAX_ATTEMPTS = 5;
    /**
     * How long a job may stay with a member that is no longer in the cluster before it is run
     * again elsewhere. Hazelcast normally fails such a job at once; this is the backstop.
     */
    static final long LOST_JOB_MILLIS = 60_000;
    /** Longest gap between two progress reports. */
    static final long PROGRESS_MILLIS = 15_000;

    /** What the coordinator tells its caller. */
    public interface Listener {
        /** A job's result (called once per job, from the coordinating thread); persist it here. */
        void result(JobResult result) throws IOException;

        /** Where the sweep stands: on every change, and at least every {@value #PROGRESS_MILLIS} ms. */
        void progress(Progress progress);

        /** A one-line notice (a job run again, a member gone). */
        void notice(String line);
    }

    private record Attempt(SweepJob job, UUID member, String address, long startNanos, int number) {
    }

    private record Completion(SweepJob job, int attempt, JobResult result, Throwable failure) {
    }

    private final HazelcastInstance hazelcast;
    private final IExecutorService executor;
    private final IMap<String, JobResult> results;
    private final Deque<SweepJob> queue = new ArrayDeque<>();
    private final Map<String, Attempt> running = new LinkedHashMap<>();
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Map<String, Long> goneSince = new HashMap<>();
    private final Map<String, Integer> doneByMember = new LinkedHashMap<>();
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    private final List<Double> durations = new ArrayList<>();
    private final Map<String, JobResult> done = new LinkedHashMap<>();
    private int failed;

    /** @param member the member this process runs (it coordinates; it runs jobs too when it has slots) */
    public SweepCoordinator(SweepMember member) {
        this.hazelcast = member.hazelcast();
        this.executor = hazelcast.getExecutorService(SweepMember.EXECUTOR);
        this.results = hazelcast.getMap(SweepMember.RESULTS + UUID.randomUUID());
    }

    /**
     * Runs the jobs that have no result yet and returns every job's result, by id.
     *
     * @param already results found before (a sweep started again), by id
     * @throws IOException when the listener cannot persist a result
     */
    public Map<String, JobResult> run(List<SweepJob> jobs, Map<String, JobResult> already, Listener listener)
            throws InterruptedException, IOException {
        for (SweepJob j : jobs) {
            JobResult r = already.get(j.id());
            if (r != null) {
                done.put(j.id(), r);
            } else {
                queue.add(j);
            }
        }
        long lastReport = 0;
        String lastLine = "";
        try {
            while (done.size() < jobs.size()) {
                dispatch();
                Progress p = progress();
                if (!p.line().equals(lastLine) || System.currentTimeMillis() - lastReport > PROGRESS_MILLIS) {
                    listener.progress(p);
                    lastLine = p.line();
                    lastReport = System.currentTimeMillis();
                }
                Completion c = completions.poll(1, TimeUnit.SECONDS);
                while (c != null) {
                    handle(c, listener);
                    c = completions.poll();
                }
                recoverLostJobs(listener);
            }
            listener.progress(progress());
        } finally {
            results.destroy();
        }
        Map<String, JobResult> all = new LinkedHashMap<>();
        for (SweepJob j : jobs) {
            all.put(j.id(), done.get(j.id()));
        }
        return all;
    }

    /** Gives every member with a free slot a job, round robin, until the slots or the queue run out. */
    private void dispatch() {
        List<Member> members = new ArrayList<>(hazelcast.getCluster().getMembers());
        boolean gave = true;
        while (gave && !queue.isEmpty()) {
            gave = false;
            for (Member m : members) {
                if (!queue.isEmpty() && runningOn(m.getUuid()) < SweepMember.slots(m)) {
                    submit(queue.poll(), m);
                    gave = true;
                }
            }
        }
    }

    private int runningOn(UUID member) {
        int n = 0;
        for (Attempt a : running.values()) {
            if (a.member().equals(member)) {
                n++;
            }
        }
        return n;
    }

    private void submit(SweepJob job, Member m) {
        int number = attempts.merge(job.id(), 1, Integer::sum);
        running.put(job.id(), new Attempt(job, m.getUuid(), SweepMember.address(m), System.nanoTime(), number));
        executor.submitToMember(new RunJobTask(job, results.getName()), m, new ExecutionCallback<JobResult>() {
            @Override
            public void onResponse(JobResult response) {
                completions.add(new Completion(job, number, response, null));
            }

            @Override
            public void onFailure(Throwable t) {
                completions.add(new Completion(job, number, null, t));
            }
        });
    }

    private void handle(Completion c, Listener listener) throws IOException {
        String id = c.job().id();
        Attempt a = running.get(id);
        boolean current = a != null && a.number() == c.attempt();
        if (current) {
            running.remove(id);
            goneSince.remove(id);
        }
        if (done.containsKey(id)) {
            return;    // a late answer of an attempt given up for lost; the first result stands
        }
        if (c.result() != null) {
            record(c.result(), a, listener);
        } else if (current) {
            retry(c.job(), a, cause(c.failure()), listener);
        }
    }

    /** Runs a job again elsewhere, unless its result reached the results map before its member went. */
    private void retry(SweepJob job, Attempt a, String why, Listener listener) throws IOException {
        JobResult stored = results.get(job.id());
        if (stored != null) {
            record(stored, a, listener);
        } else if (attempts.get(job.id()) < MAX_ATTEMPTS) {
            listener.notice("job " + job.id() + " lost on " + a.address() + " (" + why + "): queued again");
            queue.addFirst(job);
        } else {
            record(JobResult.failed(job, 4, a.address(), "gave up after " + MAX_ATTEMPTS + " attempts: " + why), a,
                    listener);
        }
    }

    /** Jobs still counted on members that left the cluster without their jobs failing: run them again. */
    private void recoverLostJobs(Listener listener) throws IOException {
        Set<UUID> members = new LinkedHashSet<>();
        hazelcast.getCluster().getMembers().forEach(m -> members.add(m.getUuid()));
        long now = System.currentTimeMillis();
        for (Attempt a : new ArrayList<>(running.values())) {
            if (members.contains(a.member())) {
                goneSince.remove(a.job().id());
            } else if (now - goneSince.computeIfAbsent(a.job().id(), k -> now) > LOST_JOB_MILLIS) {
                running.remove(a.job().id());
                goneSince.remove(a.job().id());
                retry(a.job(), a, "its member left the cluster", listener);
            }
        }
    }

    private void record(JobResult r, Attempt a, Listener listener) throws IOException {
        done.put(r.id(), r);
        if (!r.finished()) {
            failed++;
        }
        doneByMember.merge(r.member(), 1, Integer::sum);
        if (a != null) {
            durations.add((System.nanoTime() - a.startNanos()) / 1e9);
        }
        listener.result(r);
    }

    private static String cause(Throwable t) {
        while ((t instanceof ExecutionException || t.getClass().getName().endsWith("CompletionException"))
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private Progress progress() {
        List<Progress.MemberShare> shares = new ArrayList<>();
        Set<String> present = new LinkedHashSet<>();
        int slots = 0;
        for (Member m : hazelcast.getCluster().getMembers()) {
            String address = SweepMember.address(m);
            present.add(address);
            slots += SweepMember.slots(m);
            shares.add(new Progress.MemberShare(address, SweepMember.slots(m), doneByMember.getOrDefault(address, 0),
                    runningOn(m.getUuid())));
        }
        for (Map.Entry<String, Integer> e : doneByMember.entrySet()) {
            if (!present.contains(e.getKey()) && e.getKey() != null) {
                shares.add(new Progress.MemberShare(e.getKey() + " (gone)", 0, e.getValue(), 0));
            }
        }
        return new Progress(done.size(), failed, running.size(), queue.size(), shares, eta(slots));
    }

    /** Seconds left: the queued jobs and the rest of the running ones at the mean job time, spread over the slots. */
    private double eta(int slots) {
        if (durations.isEmpty()) {
            return -1;
        }
        double mean = durations.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double work = queue.size() * mean;
        long now = System.nanoTime();
        for (Attempt a : running.values()) {
            work += Math.max(0, mean - (now - a.startNanos()) / 1e9);
        }
        return work / Math.max(1, slots);
    }
}

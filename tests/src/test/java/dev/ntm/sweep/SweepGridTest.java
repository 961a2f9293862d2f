package dev.ntm.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The grid's syntax, the jobs it makes, the results table and the progress line. */
class SweepGridTest {

    private static List<String> args(String name, String value) {
        return List.of("--" + name, value);
    }

    @Test
    void seedsReadRangesAndLists() {
        assertEquals(List.of(1L, 2L, 3L), SweepGrid.parseSeeds("1..3"));
        assertEquals(List.of(1L, 5L, 9L), SweepGrid.parseSeeds("1,5,9"));
        assertEquals(List.of(1L, 2L, 3L, 7L), SweepGrid.parseSeeds("1..3, 7"));
        for (String bad : new String[] {"", "a", "5..1", "1..", "1,1", "1..3,2", "0..100000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.parseSeeds(bad), bad);
            assertTrue(e.getMessage().startsWith("--seeds"), e.getMessage());
        }
    }

    @Test
    void setReadsAnOptionAndItsValues() {
        assertEquals(new SweepGrid.Axis("lr", List.of("1e-4", "3e-4")), SweepGrid.parseAxis("lr=1e-4,3e-4"));
        assertEquals(new SweepGrid.Axis("max-sequences", List.of("200")), SweepGrid.parseAxis("--max-sequences=200"));
        for (String bad : new String[] {"lr", "=1", "lr=", "lr=1,,2", "lr=1,1", "LR=1", "l r=1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepGrid.parseAxis(bad), bad);
            assertTrue(e.getMessage().startsWith("--set"), e.getMessage());
        }
    }

    @Test
    void jobsAreEveryCombinationForEverySeed() {
        List<SweepJob> jobs = SweepGrid.jobs(List.of(new SweepGrid.Axis("task", List.of("copy")),
                        new SweepGrid.Axis("lr", List.of("1e-4", "3e-4")), new SweepGrid.Axis("batch", List.of("1", "8"))),
                List.of(1L, 2L), SweepGridTest::args, "/runs");
        assertEquals(8, jobs.size());
        assertEquals("task=copy lr=1e-4 batch=1", jobs.get(0).setting());
        assertEquals("task=copy lr=1e-4 batch=8", jobs.get(2).setting(), "the last axis varies fastest");
        assertEquals("task=copy lr=3e-4 batch=8", jobs.get(7).setting());
        assertEquals(List.of("--task", "copy", "--lr", "3e-4", "--batch", "8", "--seed", "2"), jobs.get(7).trainArgs());
        assertEquals("task=copy_lr=3e-4_batch=8_seed2", jobs.get(7).id());
        assertEquals(8, jobs.stream().map(SweepJob::id).distinct().count(), "ids are unique");
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.jobs(List.of(new SweepGrid.Axis("lr", List.of("1")),
                new SweepGrid.Axis("lr", List.of("2"))), List.of(1L), SweepGridTest::args, "/runs"));
    }

    @Test
    void longIdsAreCutButStayUnique() {
        String a = SweepGrid.id(List.of("curriculum=" + "5:5:0.5".repeat(20), "x=1"), 3);
        String b = SweepGrid.id(List.of("curriculum=" + "5:5:0.5".repeat(20), "x=2"), 3);
        assertTrue(a.length() <= SweepGrid.MAX_ID + 8, a);
        assertTrue(a.endsWith("_seed3"), a);
        assertTrue(!a.equals(b), a);
        assertTrue(a.matches("[A-Za-z0-9.=+_-]+"), a);
    }

    @Test
    void tableGivesSolvedMedianAndWorstPerSetting() {
        List<SweepJob> jobs = SweepGrid.jobs(List.of(new SweepGrid.Axis("lr", List.of("1e-4", "3e-4"))),
                List.of(1L, 2L, 3L), SweepGridTest::args, "/runs");
        long[] sequences = {4000, 9000, 1000, 8000, 2000, 6000};
        Map<String, JobResult> results = new java.util.HashMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            SweepJob j = jobs.get(i);
            results.put(j.id(), i == 5 ? JobResult.failed(j, 4, "m", "boom")
                    // a solved run was first solved halfway (it trained on past it), an unsolved one never
                    : new JobResult(j.id(), j.setting(), j.seed(), 0, sequences[i] < 9000, sequences[i], sequences[i] / 1000.0,
                    0.0, "ab", "m", -1, null, sequences[i] < 9000 ? sequences[i] / 2 : -1,
                    sequences[i] < 9000 ? sequences[i] / 2000.0 : Double.NaN));
        }
        ResultTable t = ResultTable.of(jobs, results);
        ResultTable.Row first = t.rows().get(0);
        assertEquals(new ResultTable.Row("lr=1e-4", 3, 2, 0, 4000, 9000, 4.0, 9.0, 1250, 2000, 1.25, 2.0), first,
                "first solves: the two solved runs' only");
        ResultTable.Row second = t.rows().get(1);
        assertEquals(new ResultTable.Row("lr=3e-4", 3, 2, 1, 5000, 8000, 5.0, 8.0, 2500, 4000, 2.5, 4.0), second,
                "median of two; the failed run left out");
        assertTrue(t.markdown().contains("| lr=1e-4 | 3 | 2 | 4,000 | 9,000 | 4.0 | 9.0 | 1,250 | 2,000 | 1.3 | 2.0 | 0 |"),
                t.markdown());
        assertEquals("setting,runs,solved,median_sequences,worst_sequences,median_seconds,worst_seconds,failed,"
                + "median_first_solved_sequences,worst_first_solved_sequences,median_first_solved_seconds,"
                + "worst_first_solved_seconds\n"
                + "lr=1e-4,3,2,4000.0,9000,4.0,9.0,0,1250.0,2000,1.25,2.0\nlr=3e-4,3,2,5000.0,8000,5.0,8.0,1,2500.0,4000,2.5,4.0\n",
                t.csv());
        assertEquals(7, t.jobsCsv().lines().count());
        assertTrue(t.jobsCsv().contains(",boom"), t.jobsCsv());
        assertTrue(t.jobsCsv().lines().anyMatch(l -> l.endsWith(",2000,2.0")), t.jobsCsv());
    }

    @Test
    void resultsSurviveTheirJsonForm() {
        JobResult r = new JobResult("a_seed1", "task=copy", 1, 0, true, 8000, 12.5, 0.004, "0ad7", "127.0.0.1:5701", 4000, null,
                3000, 7.5);
        assertEquals(r, JobResult.fromJson(r.toJson()));
        // a result written before the first solve was recorded: runs then stopped at their first
        // solve, so a solved one's end is it, and an unsolved one has none
        String older = r.toJson().replaceAll("(?m)^.*\"first_solved_\\w+\".*\\R", "").replaceAll(",(\\s*})", "$1");
        JobResult old = JobResult.fromJson(older);
        assertEquals(8000, old.firstSolvedSequences(), older);
        assertEquals(12.5, old.firstSolvedSeconds());
        JobResult unsolved = JobResult.fromJson(older.replace("\"solved\": true", "\"solved\": false"));
        assertEquals(-1, unsolved.firstSolvedSequences(), older);
        assertTrue(Double.isNaN(unsolved.firstSolvedSeconds()));
        JobResult failed = JobResult.failed(new SweepJob("b", "s", 2, List.of(), "/r"), 2, "m", "ntm train: bad");
        JobResult back = JobResult.fromJson(failed.toJson());
        assertEquals(failed.outcome(), back.outcome());
        assertTrue(Double.isNaN(back.bitErrorsPerSequence()));
        assertThrows(IllegalArgumentException.class, () -> JobResult.fromJson("{\"id\": \"x\"}"));
    }

    @Test
    void progressLineCountsPerMemberAndEstimatesTheRest() {
        Progress p = new Progress(4, 1, 2, 6, List.of(new Progress.MemberShare("127.0.0.1:5701", 2, 3, 1),
                new Progress.MemberShare("10.0.0.6:5701", 4, 1, 1)), 200);
        assertEquals("sweep: 4/12 done (1 failed), 2 running, 6 queued, ETA 3m20s | 127.0.0.1:5701 3 done 1/2 running"
                + " | 10.0.0.6:5701 1 done 1/4 running", p.line());
        assertEquals("--", Progress.duration(-1));
        assertEquals("45s", Progress.duration(45));
        assertEquals("2h05m", Progress.duration(7500));
    }

    @Test
    void memberSettingsRefuseBadValues() {
        new MemberSettings("ntm-sweep-ab12", "127.0.0.1", 5701, List.of("10.0.0.5:5701", "host-b"), 2);
        assertThrows(IllegalArgumentException.class, () -> new MemberSettings("bad name", "127.0.0.1", 5701, List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> new MemberSettings("c", "127.0.0.1", 0, List.of(), 1));
        assertThrows(IllegalArgumentException.class, () -> new MemberSettings("c", "127.0.0.1", 5701, List.of("h:99999"), 1));
        assertThrows(IllegalArgumentException.class, () -> new MemberSettings("c", "127.0.0.1", 5701, List.of(":5701"), 1));
        assertThrows(IllegalArgumentException.class, () -> new MemberSettings("c", "127.0.0.1", 5701, List.of(), -1));
        assertTrue(MemberSettings.derivedClusterName("/a").matches("ntm-sweep-[0-9a-f]{12}"));
        assertTrue(!MemberSettings.derivedClusterName("/a").equals(MemberSettings.derivedClusterName("/b")));
    }
}

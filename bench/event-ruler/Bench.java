// The router benchmark's corpus through AWS's own matching engine, event-ruler (Java), for comparison with ours:
// same rules, same events, same buses, same trials. Reads the files `npm run bench:router -- --export DIR` writes.
//
// Buses: the first 10, 100, 1,000 and 10,000 rules, and "elsewhere": the first 10,000 rules with every source of
// rule n >= 1,000 renamed source + ".elsewhere-" + (n % 200), as bench/lib/corpus.ts's onOtherSource does.
// Throughput: Machine.rulesForJSONEvent(text), which parses the event itself, so it compares with our
// eventsPerSecondFromText (JSON.parse + match); best of 8 rounds of one 500 ms trial per bus, buses interleaved
// within a round, after 3 s of warm-up per bus (ours has none: V8 optimizes within its first trial, the JVM takes
// longer). Matches per event are printed as a check that both engines agree. Events are re-serialized by Jackson
// from events.json, so their bytes may differ from the benchmark's JSON.stringify text (not their content).
//
// Usage: bench/event-ruler/run.sh DIR CLASSPATH (see that script).

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import software.amazon.event.ruler.Machine;

public class Bench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int[] RULE_COUNTS = {10, 100, 1_000, 10_000};
  /** As bench/router.ts: the elsewhere bus is the first ELSEWHERE_BASE + OTHER_SOURCE_RULES rules. */
  static final int ELSEWHERE_BASE = 1_000;
  static final int OTHER_SOURCE_RULES = 9_000;
  static final int ROUNDS = 8;
  static final long TRIAL_MS = 500;
  static final long WARM_UP_MS = 3_000;
  /** Keeps the matching from being optimized away. */
  static volatile long sink;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: Bench DIR (from bench:router -- --export DIR)");
    File dir = new File(args[0]);
    List<String> names = new ArrayList<>();
    List<String> patterns = new ArrayList<>();
    for (JsonNode rule : JSON.readTree(new File(dir, "rules.json"))) {
      names.add(rule.get("name").asText());
      patterns.add(rule.get("pattern").asText());
    }
    JsonNode eventNodes = JSON.readTree(new File(dir, "events.json"));
    String[] events = new String[eventNodes.size()];
    for (int i = 0; i < events.length; i++) events[i] = JSON.writeValueAsString(eventNodes.get(i));

    List<String> busNames = new ArrayList<>();
    List<Machine> machines = new ArrayList<>();
    for (int count : RULE_COUNTS) {
      busNames.add(Integer.toString(count));
      machines.add(build(names, patterns.subList(0, count)));
    }
    List<String> elsewhere = new ArrayList<>();
    for (int n = 0; n < ELSEWHERE_BASE + OTHER_SOURCE_RULES; n++) {
      elsewhere.add(n < ELSEWHERE_BASE ? patterns.get(n) : onOtherSource(patterns.get(n), n));
    }
    busNames.add("elsewhere");
    machines.add(build(names, elsewhere));

    int buses = machines.size();
    double[] matchesPerEvent = new double[buses];
    for (int b = 0; b < buses; b++) {
      long matched = 0;
      for (String event : events) matched += machines.get(b).rulesForJSONEvent(event).size();
      matchesPerEvent[b] = (double) matched / events.length;
    }
    for (Machine machine : machines) trial(machine, events, WARM_UP_MS);
    double[] best = new double[buses];
    for (int round = 0; round < ROUNDS; round++) {
      for (int b = 0; b < buses; b++) best[b] = Math.max(best[b], trial(machines.get(b), events, TRIAL_MS));
    }

    System.out.printf("event-ruler, java %s, %d events, best of %d x %d ms%n", System.getProperty("java.version"),
        events.length, ROUNDS, TRIAL_MS);
    System.out.println("      bus | events/s (from text) | matches/event");
    StringBuilder json = new StringBuilder("{\"engine\":\"event-ruler\",\"results\":[");
    for (int b = 0; b < buses; b++) {
      System.out.printf("%9s | %20.0f | %13.3f%n", busNames.get(b), best[b], matchesPerEvent[b]);
      json.append(String.format("%s{\"bus\":\"%s\",\"eventsPerSecondFromText\":%.0f,\"matchesPerEvent\":%.4f}",
          b == 0 ? "" : ",", busNames.get(b), best[b], matchesPerEvent[b]));
    }
    System.out.printf("ratios: 1,000/10 %.3f, 10,000/1,000 %.3f, elsewhere/1,000 %.3f%n", best[2] / best[0],
        best[3] / best[2], best[4] / best[2]);
    System.out.println(json.append("]}"));
  }

  static Machine build(List<String> names, List<String> patterns) throws Exception {
    Machine machine = Machine.builder().build();
    for (int i = 0; i < patterns.size(); i++) machine.addRule(names.get(i), patterns.get(i));
    return machine;
  }

  /** The rule on sources no event carries, as bench/lib/corpus.ts's onOtherSource. */
  static String onOtherSource(String pattern, int n) throws Exception {
    ObjectNode rule = (ObjectNode) JSON.readTree(pattern);
    ArrayNode sources = (ArrayNode) rule.get("source");
    for (int k = 0; k < sources.size(); k++) {
      sources.set(k, TextNode.valueOf(sources.get(k).asText() + ".elsewhere-" + (n % 200)));
    }
    return JSON.writeValueAsString(rule);
  }

  /** Events per second of one trial of about `ms` milliseconds, cycling through the events. */
  static double trial(Machine machine, String[] events, long ms) throws Exception {
    long start = System.nanoTime();
    long deadline = start + ms * 1_000_000L;
    long count = 0;
    long matched = 0;
    long now;
    int i = 0;
    do {
      for (int k = 0; k < 16; k++) {
        matched += machine.rulesForJSONEvent(events[i]).size();
        if (++i == events.length) i = 0;
      }
      count += 16;
      now = System.nanoTime();
    } while (now < deadline);
    sink += matched;
    return count / ((now - start) / 1e9);
  }
}

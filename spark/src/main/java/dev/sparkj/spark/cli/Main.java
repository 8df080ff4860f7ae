package dev.sparkj.spark.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code sparkj} command line: dispatches a subcommand to its handler. */
public final class Main {
    private Main() {}

    /** A subcommand: returns the process exit code. */
    @FunctionalInterface
    interface Command { int run(String[] args) throws Exception; }

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("quickstart", QuickstartCommand::run);
        m.put("pretrain", PretrainCommand::run);
        m.put("reconstruct", ReconstructCommand::run);
        m.put("info", InfoCommand::run);
        m.put("golden", GoldenCommand::run);
        m.put("bench", BenchCommand::run);
        return m;
    }

    private static final Map<String, String> PLANNED = Map.of(
            "finetune", "fine-tuning with a classifier head");

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Map<String, Command> cmds = commands();
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(cmds);
            return args.length == 0 ? 2 : 0;
        }
        Command c = cmds.get(args[0]);
        if (c == null) {
            if (PLANNED.containsKey(args[0])) {
                System.err.println("sparkj " + args[0] + ": not available yet in this build (" + PLANNED.get(args[0]) + ").");
                return 3;
            }
            System.err.println("sparkj: unknown command '" + args[0] + "'");
            usage(cmds);
            return 2;
        }
        try {
            return c.run(Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println("sparkj " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (OutOfMemoryError e) {
            System.err.printf(java.util.Locale.ROOT, "sparkj %s: out of memory (%s) with a maximum heap of %d MB; "
                    + "give the JVM more, e.g. SPARKJ_JAVA_OPTS=-Xmx12g, or use a smaller --batch%n",
                    args[0], e.getMessage(), Runtime.getRuntime().maxMemory() >> 20);
            return 1;
        } catch (Exception e) {
            System.err.println("sparkj " + args[0] + ": " + e);
            e.printStackTrace();
            return 1;
        }
    }

    private static void usage(Map<String, Command> cmds) {
        System.err.println("usage: sparkj COMMAND [options]");
        System.err.println("commands: " + String.join(", ", cmds.keySet()) + ", test");
    }
}

package dev.sparkj.spark.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The live progress of a run on the console: epoch, iteration, it/s, img/s, loss, lr and ETA. On a
 * terminal the line is rewritten in place ({@code \r}); otherwise (a log file, CI) a plain line is
 * printed at the first iteration, every {@code intervalSeconds} and at the end of each epoch.
 */
public final class ProgressLine {
    private final PrintStream out;
    private final boolean tty;
    private final double intervalSeconds;
    private final long totalIters;
    private long startNanos = -1, lastPrint = Long.MIN_VALUE;
    private long itersDone;
    private long imagesDone;
    private boolean open;

    /**
     * @param totalIters iterations this session will run (for the ETA)
     * @param tty        rewrite one line in place
     */
    public ProgressLine(PrintStream out, boolean tty, long totalIters, double intervalSeconds) {
        this.out = out;
        this.tty = tty;
        this.totalIters = totalIters;
        this.intervalSeconds = intervalSeconds;
    }

    /** True when stderr is an interactive terminal. */
    public static boolean stderrIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Marks the start of the timed work (call before the first iteration). */
    public void start() { startNanos = System.nanoTime(); }

    /** Reports one finished iteration. */
    public void iteration(int epoch, int epochs, int it, int itersPerEpoch, int images, double loss, double lr) {
        if (startNanos < 0) start();
        itersDone++;
        imagesDone += images;
        long now = System.nanoTime();
        double secs = (now - startNanos) * 1e-9;
        double itPerSec = secs > 0 ? itersDone / secs : 0, imgPerSec = secs > 0 ? imagesDone / secs : 0;
        long left = Math.max(0, totalIters - itersDone);
        String eta = itPerSec > 0 ? format(Duration.ofSeconds(Math.round(left / itPerSec))) : "?";
        String line = String.format(Locale.ROOT, "ep %d/%d  it %d/%d  %.2f it/s  %.1f img/s  loss %.4f  lr %.3e  ETA %s",
                epoch + 1, epochs, it + 1, itersPerEpoch, itPerSec, imgPerSec, loss, lr, eta);
        boolean last = it + 1 == itersPerEpoch;
        if (tty) {
            out.print("\r" + line + "\u001b[K");
            out.flush();
            open = true;
        } else if (itersDone == 1 || last || (now - lastPrint) * 1e-9 >= intervalSeconds) {
            out.println(line);
            lastPrint = now;
        }
    }

    /** Prints a message on its own line (ends the in-place line first). */
    public void message(String msg) {
        if (open) { out.println(); open = false; }
        out.println(msg);
        out.flush();
    }

    /** Seconds since {@link #start()}. */
    public double elapsedSeconds() { return startNanos < 0 ? 0 : (System.nanoTime() - startNanos) * 1e-9; }

    /** {@code h:mm:ss}. */
    public static String format(Duration d) {
        long s = d.getSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}

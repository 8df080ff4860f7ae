package dev.sparkj.nn;

/** Thrown by a strict {@link Module#loadStateDict} when keys are missing, unexpected or of the wrong shape; lists all of them. */
public final class StateDictException extends IllegalArgumentException {
    private final StateDictReport report;

    public StateDictException(String model, StateDictReport report) {
        super("state dict does not match " + model + ":\n" + report.summary());
        this.report = report;
    }

    /** The full report. */
    public StateDictReport report() { return report; }
}

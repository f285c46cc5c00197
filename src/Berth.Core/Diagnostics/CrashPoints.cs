using Berth.Core.Interop;

namespace Berth.Core.Diagnostics;

/// <summary>
/// Named points in berthd where a crash must leave a true state (between two writes that
/// belong together, before and after an irreversible step). The crash-safety tests arm one
/// with <c>BERTH_CRASH_AT=NAME</c> (or <c>NAME#N</c> for its N-th hit) and berthd kills itself
/// with SIGKILL on reaching it, as a power cut or the OOM killer would. Unarmed, a point costs
/// one comparison.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "BERTH_CRASH_AT";

    private static readonly (string Name, int Hit)? Armed = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _hits;

    /// <summary>Dies here if this is the armed point (and its armed hit).</summary>
    public static void Reach(string name)
    {
        if (Armed is not { } armed || armed.Name != name) return;
        if (Interlocked.Increment(ref _hits) < armed.Hit) return;
        Libc.Kill(Environment.ProcessId, Libc.SIGKILL);
        // SIGKILL of ourselves is delivered before kill returns; never go on past the point.
        Thread.Sleep(Timeout.Infinite);
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var hash = value.LastIndexOf('#');
        return hash > 0 && int.TryParse(value.AsSpan(hash + 1), out var hit) ? (value[..hash], hit) : (value, 1);
    }
}

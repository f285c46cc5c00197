namespace Berth.IntegrationTests.Chaos;

/// <summary>
/// A `--runtime` for berthd that counts every runtime call (from berthd and from its shims)
/// and, when armed with "N before" or "N after", SIGKILLs berthd just before or just after
/// the N-th call, which itself still runs: the runtime's work and berthd's record of it are
/// then out of step, as after a real crash at that point.
/// </summary>
public sealed class ChaosRuntime
{
    private readonly string _dir;

    public ChaosRuntime(string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        var runc = FindRunc();
        File.WriteAllText(Path, $$"""
            #!/bin/sh
            dir='{{dir}}'
            exec 9>>"$dir/lock"
            flock 9
            n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$dir/count"
            echo "$n $*" >> "$dir/calls"
            flock -u 9
            exec 9>&-
            target=$(cat "$dir/target" 2>/dev/null)
            if [ "$target" = "$n before" ]; then kill -9 "$(cat "$dir/berthd.pid")"; fi
            if [ "$target" = "$n after" ]; then
              '{{runc}}' "$@"; rc=$?
              kill -9 "$(cat "$dir/berthd.pid")"
              exit $rc
            fi
            exec '{{runc}}' "$@"
            """.Replace("\r", ""));
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path => System.IO.Path.Combine(_dir, "runtime");

    /// <summary>Runtime calls since the last <see cref="Reset"/>.</summary>
    public int Count => int.TryParse(Read("count"), out var n) ? n : 0;

    /// <summary>The calls since the last reset, one "N ARGS" line each.</summary>
    public string Calls => Read("calls");

    public void SetDaemonPid(int pid) => File.WriteAllText(System.IO.Path.Combine(_dir, "berthd.pid"), pid.ToString());

    /// <summary>Counts from zero again, armed at call <paramref name="call"/> (before or after it), or disarmed.</summary>
    public void Reset(int? call = null, bool before = true)
    {
        File.WriteAllText(System.IO.Path.Combine(_dir, "count"), "0");
        File.WriteAllText(System.IO.Path.Combine(_dir, "calls"), "");
        File.WriteAllText(System.IO.Path.Combine(_dir, "target"), call is { } n ? $"{n} {(before ? "before" : "after")}" : "");
    }

    private string Read(string name)
    {
        var path = System.IO.Path.Combine(_dir, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    private static string FindRunc() =>
        new[] { "/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("runc is not installed");
}

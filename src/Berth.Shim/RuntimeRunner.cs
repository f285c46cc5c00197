using System.Collections;
using Berth.Core.Shim;

namespace Berth.Shim;

/// <summary>
/// Runs the OCI runtime's commands (create, start, delete) as children reaped by the
/// <see cref="Reaper"/>. The runtime logs JSON to RUNTIME-ROOT/ID.log (not into the bundle,
/// which berthd may remove while `delete` still runs); on failure its last
/// error line is the message the user should see (e.g. `exec: "nope": executable file not
/// found in $PATH`), the same place containerd takes it from.
/// </summary>
internal sealed class RuntimeRunner
{
    private readonly Reaper _reaper;
    private readonly ShimOptions _options;
    private readonly string _logPath;
    private readonly string _runtime;
    private readonly List<string> _environment = [];

    public RuntimeRunner(Reaper reaper, ShimOptions options)
    {
        _reaper = reaper;
        _options = options;
        Directory.CreateDirectory(options.RuntimeRoot);
        _logPath = Path.Combine(options.RuntimeRoot, options.Id + ".log");
        // posix_spawn does not search PATH; accept a bare name like "runc" anyway.
        _runtime = Berth.Core.Interop.ExecutableSearch.Find(options.Runtime) ?? options.Runtime;
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            _environment.Add($"{e.Key}={e.Value}");
    }

    public string PidFile => Path.Combine(_options.Bundle, "init.pid");

    /// <summary>`runtime create` with the container's stdio as fds 0–2; null on success, else the error.</summary>
    public Task<string?> CreateAsync(ReadOnlySpan<int> stdio, string? consoleSocket)
    {
        List<string> args = ["create", "--bundle", _options.Bundle, "--pid-file", PidFile];
        if (consoleSocket is not null) args.AddRange(["--console-socket", consoleSocket]);
        args.Add(_options.Id);
        return RunAsync(args, stdio);
    }

    public Task<string?> StartAsync(ReadOnlySpan<int> stdio) => RunAsync(["start", _options.Id], stdio);

    /// <summary>`runtime run --detach`: create and start in one runtime process; the init is ours to reap once it returns.</summary>
    public Task<string?> RunDetachedAsync(ReadOnlySpan<int> stdio) =>
        RunAsync(["run", "--detach", "--bundle", _options.Bundle, "--pid-file", PidFile, _options.Id], stdio);

    /// <summary>The init's pid, from the pid file the runtime wrote.</summary>
    public int ReadPid() => int.Parse(File.ReadAllText(PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public Task<string?> DeleteAsync(ReadOnlySpan<int> stdio) => RunAsync(["delete", "--force", _options.Id], stdio);

    /// <summary>Removes the runtime's log once the container is deleted.</summary>
    public void RemoveLog() => File.Delete(_logPath);

    private Task<string?> RunAsync(List<string> args, ReadOnlySpan<int> stdio)
    {
        var logStart = LogLength();
        List<string> argv = [_runtime, "--root", _options.RuntimeRoot, "--log", _logPath, "--log-format", "json", .. args];
        var exit = _reaper.Spawn(_runtime, argv, _environment, stdio);
        return Finish(exit, args[0], logStart);
    }

    private async Task<string?> Finish(Task<int> exit, string command, long logStart)
    {
        var code = await exit.ConfigureAwait(false);
        if (code == 0) return null;
        return LastError(logStart) ?? $"{Path.GetFileName(_runtime)} {command} failed with exit status {code}";
    }

    private long LogLength()
    {
        try { return new FileInfo(_logPath).Length; }
        catch (IOException) { return 0; }
    }

    /// <summary>The last "error" (or "fatal") message the runtime logged after <paramref name="offset"/>.</summary>
    private string? LastError(long offset)
    {
        try
        {
            using var file = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (offset > file.Length) offset = 0;
            file.Position = offset;
            using var reader = new StreamReader(file);
            string? message = null;
            while (reader.ReadLine() is { } line)
                message = ShimCodec.ReadRuntimeError(System.Text.Encoding.UTF8.GetBytes(line)) ?? message;
            return string.IsNullOrEmpty(message) ? null : message;
        }
        catch (IOException) { return null; }
    }
}

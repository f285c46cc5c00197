using System.Diagnostics;

namespace Berth.IntegrationTests.Harness;

/// <summary>What a finished command printed and returned.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs a program to completion with optional stdin, capturing its output; kills it on timeout.</summary>
public static class ProcessRunner
{
    public static async Task<CommandResult> RunAsync(
        string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        Stream? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Fed on its own, so a program that never reads its stdin (or hangs) still meets the timeout.
        var feed = FeedAsync(stdin, process.StandardInput);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await feed;
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }
        await feed;
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    private static async Task FeedAsync(Stream? stdin, StreamWriter input)
    {
        try
        {
            if (stdin is not null) await stdin.CopyToAsync(input.BaseStream);
        }
        catch (IOException)
        {
            // The program exited (or was killed) without reading all of it.
        }
        try
        {
            input.Close();
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A program still running, whose output the test can wait on as it arrives (a follower, a
/// stream): <see cref="WaitForStdoutAsync"/> returns when what it printed so far matches.
/// Disposal kills it if it is still running.
/// </summary>
public sealed class RunningCommand : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly SemaphoreSlim _printed = new(0);
    private readonly Task _pumps;
    private readonly string _what;

    public RunningCommand(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        _what = $"{fileName} {string.Join(' ', start.ArgumentList)}";
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        _process.StandardInput.Close();
        _pumps = Task.WhenAll(PumpAsync(_process.StandardOutput, _stdout), PumpAsync(_process.StandardError, _stderr));
    }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    private async Task PumpAsync(StreamReader reader, System.Text.StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into) into.Append(buffer, 0, read);
            _printed.Release();
        }
        _printed.Release();
    }

    /// <summary>Waits until the standard output so far matches (checked each time more arrives; bounded).</summary>
    public async Task WaitForStdoutAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!match(Stdout))
        {
            if (_pumps.IsCompleted && !match(Stdout))
                throw new InvalidOperationException($"{_what} ended without printing what was expected: {Stdout}");
            try
            {
                await _printed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_what} did not print what was expected in time: {Stdout}");
            }
        }
    }

    /// <summary>Waits for the program to exit (bounded; killed on timeout) and returns what it printed.</summary>
    public async Task<CommandResult> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_what} did not finish in time");
        }
        await _pumps;
        string stderr;
        lock (_stderr) stderr = _stderr.ToString();
        return new CommandResult(_process.ExitCode, Stdout, stderr);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            await _pumps;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
        }
        _process.Dispose();
        _printed.Dispose();
    }
}

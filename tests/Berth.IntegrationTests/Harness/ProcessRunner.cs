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

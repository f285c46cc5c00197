namespace Berth.Registry.Hosting;

/// <summary>Command line: <c>berth-registry serve [--addr HOST:PORT] [--root DIR]</c>.</summary>
public static class RegistryCommand
{
    private const string Usage = "usage: berth-registry serve [--addr HOST:PORT] [--root DIR] [--delete]\n       berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["garbage-collect", ..]) return await Storage.GarbageCollectCommand.RunAsync(args[1..], Console.Out, Console.Error);
        RegistryOptions options;
        try
        {
            options = Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"berth-registry: {e.Message}\n{Usage}");
            return 2;
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        await using var server = await RegistryHost.StartAsync(options, stop.Token);
        Console.WriteLine($"berth-registry listening on {server.BaseAddress} (root {options.Root})");
        try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        return 0;
    }

    public static RegistryOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "serve") throw new FormatException("expected the \"serve\" command");
        var address = RegistryOptions.DefaultAddress;
        var root = Path.Combine(Environment.CurrentDirectory, "registry");
        var deleteEnabled = false;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--delete")
            {
                deleteEnabled = true;
                continue;
            }
            var (name, value) = args[i].Split('=', 2) is [var n, var v] ? (n, (string?)v) : (args[i], null);
            if (name is not ("--addr" or "--root")) throw new FormatException($"unknown option \"{args[i]}\"");
            if (value is null)
            {
                if (++i >= args.Length) throw new FormatException($"option {name} needs a value");
                value = args[i];
            }
            if (name == "--addr") address = value; else root = value;
        }
        return new RegistryOptions(RegistryOptions.ParseAddress(address), Path.GetFullPath(root)) { DeleteEnabled = deleteEnabled };
    }
}

using System.Runtime.InteropServices;

namespace Berth.Registry.Hosting;

/// <summary>Command line: <c>berth-registry serve [OPTIONS]</c> (see <see cref="ServeArguments.Help"/>).</summary>
public static class RegistryCommand
{
    private const string Usage = "usage: berth-registry serve [OPTIONS]  (berth-registry serve --help for the options)\n       berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["garbage-collect", ..]) return await Storage.GarbageCollectCommand.RunAsync(args[1..], Console.Out, Console.Error);
        if (args is [] or ["-h" or "--help" or "help"] || args is ["serve", ..] && args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            await Console.Out.WriteAsync(ServeArguments.Help);
            return args.Length == 0 ? 2 : 0;
        }
        RegistryServerOptions options;
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
        // ASP.NET's console lifetime takes SIGTERM and SIGINT for itself (it only stops Kestrel, and
        // ProcessExit is never raised), so the command registers its own handlers to end the process.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        RegistryHost server;
        try
        {
            server = await RegistryHost.StartAsync(options, stop.Token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
            or FormatException)
        {
            await Console.Error.WriteLineAsync($"berth-registry: {e.Message}");
            return 1;
        }
        await using (server)
        {
            Console.WriteLine($"berth-registry listening on {server.BaseAddress} (root {options.Root})");
            try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        }
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    public static RegistryServerOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "serve") throw new FormatException("expected the \"serve\" command");
        return ServeArguments.Parse(args[1..], warning => Console.Error.WriteLine($"berth-registry: warning: {warning}"));
    }
}

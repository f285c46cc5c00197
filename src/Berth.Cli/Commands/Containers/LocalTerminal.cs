using System.Runtime.InteropServices;
using Berth.Core.Interop;
using Berth.EngineApi.Client;

namespace Berth.Cli.Commands.Containers;

/// <summary>
/// The user's terminal during `run -t` / `start -a` of a TTY container, as the docker CLI
/// handles it: raw mode while attached (keys, ^C included, go to the container's terminal),
/// the container's terminal sized like ours, and resized on SIGWINCH; restored on dispose.
/// </summary>
internal sealed class LocalTerminal : IDisposable
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;
    private readonly Libc.Termios? _saved;
    private readonly PosixSignalRegistration? _winch;

    private LocalTerminal(Libc.Termios? saved, PosixSignalRegistration? winch)
    {
        _saved = saved;
        _winch = winch;
    }

    /// <summary>Takes over the terminal when stdin (for raw mode) and stdout (for size) are terminals.</summary>
    public static LocalTerminal Attach(EngineClient client, string containerId, bool rawInput)
    {
        var saved = rawInput && !Console.IsInputRedirected ? Libc.MakeRaw(StdinFd) : null;
        PosixSignalRegistration? winch = null;
        if (!Console.IsOutputRedirected)
        {
            winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal => { _ = ResizeAsync(client, containerId); });
        }
        return new LocalTerminal(saved, winch);
    }

    /// <summary>Sends our size to the container's terminal (call once it has started).</summary>
    public static async Task ResizeAsync(EngineClient client, string containerId)
    {
        if (Libc.GetWindowSize(StdoutFd) is not { } size) return;
        try
        {
            await client.ResizeContainerTtyAsync(containerId, size.Rows, size.Columns, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineApiException or IOException or HttpRequestException)
        {
            // The container may have exited meanwhile.
        }
    }

    public void Dispose()
    {
        _winch?.Dispose();
        if (_saved is { } saved) Libc.Restore(StdinFd, saved);
    }
}

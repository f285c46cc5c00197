using Berth.Core.Interop;

namespace Berth.Shim;

/// <summary>
/// The fds the runtime gives the container as 0–2 (pipe ends), and which of them are ours to
/// close once the runtime has handed them on: only the container may hold the write ends of
/// its output pipes, or the shim would never see their EOF.
/// </summary>
internal sealed class ContainerStdio(int[] runtimeFds, int[] closeAfterHandOff)
{
    private bool _closed;

    public ReadOnlySpan<int> RuntimeFds => runtimeFds;

    public void CloseRuntimeEnds()
    {
        if (_closed) return;
        _closed = true;
        foreach (var fd in closeAfterHandOff) Libc.Close(fd);
    }
}

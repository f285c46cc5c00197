using System.Net.Sockets;

namespace Berth.Core.Interop;

/// <summary>Unix socket credentials: which process serves a socket.</summary>
public static partial class Libc
{
    // SOL_SOCKET is declared with the other socket-level values in Interop.Terminal.cs.
    private const int SO_PEERCRED = 17;

    /// <summary>
    /// The PID of the process at the other end of a connected unix socket (SO_PEERCRED, struct
    /// ucred { pid, uid, gid }), or null when the kernel does not say.
    /// </summary>
    public static int? PeerPid(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, credentials);
        var pid = length >= 4 ? BitConverter.ToInt32(credentials[..4]) : 0;
        return pid > 0 ? pid : null;
    }

    /// <summary>The PID serving the unix socket at <paramref name="path"/>, or null when nothing listens there.</summary>
    public static async Task<int?> UnixSocketServerPidAsync(string path, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return null;
        }
        return PeerPid(socket);
    }
}

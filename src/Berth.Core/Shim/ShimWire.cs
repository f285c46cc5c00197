using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;

namespace Berth.Core.Shim;

/// <summary>A request or response line read off a socket, with the bytes that followed it.</summary>
public readonly record struct LineRead(byte[] Buffer, int LineLength, int End)
{
    public ReadOnlySpan<byte> Line => Buffer.AsSpan(0, LineLength);

    /// <summary>Bytes received after the '\n' (the start of an attach stream).</summary>
    public ReadOnlyMemory<byte> Rest => Buffer.AsMemory(LineLength + 1, End - LineLength - 1);
}

/// <summary>Line framing shared by the shim and its client.</summary>
public static class ShimWire
{
    /// <summary>No legitimate request or response comes close; the cap bounds a bad peer's cost.</summary>
    public const int MaxLine = 64 * 1024;

    /// <summary>
    /// Reads until the first '\n'. Returns null when the peer closes first. Reads in chunks, so
    /// bytes after the line may already be in the buffer; <see cref="LineRead.Rest"/> hands them on.
    /// </summary>
    public static async ValueTask<LineRead?> ReadLineAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        var end = 0;
        while (true)
        {
            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxLine) throw new InvalidDataException("shim protocol line too long");
                Array.Resize(ref buffer, buffer.Length * 4);
            }
            var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) return null;
            var newline = buffer.AsSpan(end, n).IndexOf((byte)'\n');
            end += n;
            if (newline >= 0) return new LineRead(buffer, end - n + newline, end);
        }
    }

    /// <summary>Serializes <paramref name="value"/> as one line and sends all of it.</summary>
    public static async ValueTask WriteLineAsync<T>(Socket socket, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var bytes = Serialize(value, typeInfo);
        var sent = 0;
        while (sent < bytes.Length)
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>JSON of <paramref name="value"/> followed by '\n'.</summary>
    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }
}

/// <summary>
/// Docker's stream framing for attach without a TTY: an 8-byte header
/// [stream, 0, 0, 0, uint32 big-endian length] before each payload.
/// </summary>
public static class StdFrame
{
    public const int HeaderSize = 8;
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;

    public static void WriteHeader(Span<byte> destination, byte stream, int length)
    {
        destination[0] = stream;
        destination[1] = destination[2] = destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)length);
    }

    /// <summary>Parses a header; false when it is not one (unknown stream byte or non-zero padding).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out byte stream, out int length)
    {
        stream = header[0];
        length = (int)BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        return stream <= Stderr && header[1] == 0 && header[2] == 0 && header[3] == 0 && length >= 0;
    }
}

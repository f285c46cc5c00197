namespace Berth.EngineApi.Streams;

/// <summary>The first byte of docker's 8-byte stream frame header.</summary>
public enum StdStreamType : byte
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
    /// <summary>An error from the daemon itself (docker's "systemerr"); payload is text.</summary>
    SystemErr = 3,
}

/// <summary>
/// Docker's multiplexed stream format (attach/logs/exec without a TTY): each frame is
/// <c>[type, 0, 0, 0, size as uint32 big-endian]</c> followed by <c>size</c> payload bytes.
/// </summary>
public static class StdStreamFraming
{
    public const int HeaderSize = 8;

    /// <summary>Writes a frame header for <paramref name="size"/> payload bytes into <paramref name="header"/>.</summary>
    public static void WriteHeader(Span<byte> header, StdStreamType type, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        header[0] = (byte)type;
        header[1] = 0;
        header[2] = 0;
        header[3] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)size);
    }

    /// <summary>Reads a header; false if the type byte is not a known stream.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out StdStreamType type, out int size)
    {
        type = (StdStreamType)header[0];
        var raw = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        size = raw > int.MaxValue ? -1 : (int)raw;
        return header[0] <= 3 && size >= 0;
    }
}

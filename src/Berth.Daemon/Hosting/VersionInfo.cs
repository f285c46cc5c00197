namespace Berth.Daemon.Hosting;

public static class VersionInfo
{
    public const string Version = "0.1.0";
    public const string GitCommit = "berth";

    /// <summary>When this binary was linked (its file time), as docker prints "Built".</summary>
    public static string BuildTime { get; } = File.GetLastWriteTimeUtc(Environment.ProcessPath ?? AppContext.BaseDirectory).ToString("ddd MMM d HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture);
}

namespace Berth.Daemon.Hosting;

public static class VersionInfo
{
    public const string Version = "0.1.0";
    public const string GitCommit = "berth";
}

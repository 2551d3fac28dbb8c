Console.WriteLine("bench: not implemented yet");

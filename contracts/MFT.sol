// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "./ERC20.sol";

/// @title Mainframe Token (MFT) for the embedded dev chain.
/// @notice Fixed supply, all minted to the deployer. On mainnet the product uses the real MFT.
contract MFT is ERC20 {
    constructor(uint256 initialSupply) ERC20("Mainframe Token", "MFT") {
        _mint(msg.sender, initialSupply);
    }
}

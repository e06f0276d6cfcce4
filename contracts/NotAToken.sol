// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title A contract with code but no ERC-20 functions, for "add token: not a token" tests.
/// @dev No fallback: calling balanceOf/symbol/decimals on it reverts without data.
contract NotAToken {
    uint256 public value;

    function setValue(uint256 newValue) external {
        value = newValue;
    }
}
